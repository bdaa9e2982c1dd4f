// Composes the Hono app from its edges. Nothing here knows a protocol's details.
import { Hono } from 'hono';
import { createAdminApi, docsPage } from './admin/index.js';
import { consoleRoutes } from './console/index.js';
import {
  type AppContext,
  type AppEnv,
  bodyLimits,
  errorHandler,
  healthRoutes,
  notFoundHandler,
  requestContext,
  requestSpan,
  securityHeaders,
} from './http/index.js';
import { bodyLimitRules } from './body-limit-rules.js';
import { federationStartLimit } from './rate-limits.js';
import { createScimApi } from './scim/index.js';
import { createOidcEdge } from './oidc/index.js';
import { federationRoutes } from './federation/index.js';
import { errorPage, provisioningCompletionRoutes } from './login/index.js';
import { createSamlIdpEdge } from './saml-idp/index.js';

export function createApp(ctx: AppContext) {
  const app = new Hono<AppEnv>();
  app.use('*', requestContext(ctx.logger, ctx.metrics, ctx.config.trustedProxies));
  if (ctx.config.otelEndpoint) app.use('*', requestSpan());
  app.use('*', securityHeaders(ctx.config.publicUrl));
  // Every route that reads a body, by path prefix (body-limit-rules.ts); before any route is added.
  app.use('*', bodyLimits(bodyLimitRules(ctx)));

  // With MANAGEMENT_PORT set, /metrics is served there only (runtime.ts).
  app.route('/', healthRoutes(ctx, { metrics: ctx.config.managementPort === undefined }));

  app.route('/api/v1', createAdminApi(ctx));
  app.route('/scim/v2', createScimApi(ctx));
  app.route('/', docsPage());
  app.route('/', consoleRoutes(ctx));
  // Before the OIDC edge: /login/provisioning/complete must not be read as an interaction uid.
  app.route('/', provisioningCompletionRoutes(ctx));
  const oidc = createOidcEdge(ctx);
  app.route('/', oidc.routes);
  app.use('/federation/:idpId/start', federationStartLimit(ctx));
  app.route('/', federationRoutes(ctx));
  app.route('/', createSamlIdpEdge(ctx, oidc.samlLogin).routes);

  // Outside /api and /scim every error is a page a person may see: the styled one, with a reference and a way back.
  const page = (p: { title: string; message: string; reference: string }) => errorPage(p);
  app.onError(errorHandler(ctx.logger, { page }));
  app.notFound((c) => notFoundHandler(c, { page }));
  return app;
}
