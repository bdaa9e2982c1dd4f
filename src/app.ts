// Composes the Hono app from its edges. Nothing here knows a protocol's details.
import { Hono } from 'hono';
import { createAdminApi, docsPage } from './admin/index.js';
import {
  type AppContext,
  type AppEnv,
  errorHandler,
  healthRoutes,
  notFoundHandler,
  requestContext,
  requestSpan,
  securityHeaders,
} from './http/index.js';
import { createScimApi } from './scim/index.js';
import { createOidcEdge } from './oidc/index.js';
import { federationRoutes } from './federation/index.js';
import { provisioningCompletionRoutes } from './login/index.js';
import { createSamlIdpEdge } from './saml-idp/index.js';

export function createApp(ctx: AppContext) {
  const app = new Hono<AppEnv>();
  app.use('*', requestContext(ctx.logger, ctx.metrics, ctx.config.trustedProxies));
  if (ctx.config.otelEndpoint) app.use('*', requestSpan());
  app.use('*', securityHeaders(ctx.config.publicUrl));

  // With MANAGEMENT_PORT set, /metrics is served there only (runtime.ts).
  app.route('/', healthRoutes(ctx, { metrics: ctx.config.managementPort === undefined }));

  app.route('/api/v1', createAdminApi(ctx));
  app.route('/scim/v2', createScimApi(ctx));
  app.route('/', docsPage());
  // Before the OIDC edge: /login/provisioning/complete must not be read as an interaction uid.
  app.route('/', provisioningCompletionRoutes(ctx));
  const oidc = createOidcEdge(ctx);
  app.route('/', oidc.routes);
  app.route('/', federationRoutes(ctx, { handoff: oidc.loginHandoff }));
  app.route('/', createSamlIdpEdge(ctx).routes);

  app.onError(errorHandler(ctx.logger));
  app.notFound(notFoundHandler);
  return app;
}
