// The admin API at /api/v1: bearer auth (the admin token or a console access token), each route's role checked
// against one table (route-roles.ts), size-limited JSON bodies, problem+json
// errors, and the OpenAPI 3.1 document built from the routes themselves.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { type AppContext, type AppEnv, adminAuth } from '../http/index.js';
import type { Actor } from '../store/index.js';
import type { AdminRole } from '../domain/index.js';
import { buildConfigSchema, type AdminBinding, type JsonSchema } from '../config-as-code/index.js';
import { applicationRoutes } from './applications.js';
import { adminChangeLog } from './change-log.js';
import { authorize } from './authorize.js';
import { documentRouteRoles, registerSecuritySchemes } from './route-security.js';
import { consolePrincipal } from './console-principal.js';
import { configRoutes } from './config.js';
import { adminBindingWith } from './in-process.js';
import { auditEventRoutes } from './audit-events.js';
import { federatedIdentityRoutes } from './federated-identities.js';
import { identityProviderSimulateRoutes } from './identity-provider-simulate.js';
import { userRoutes } from './users.js';
import { userSearchRoutes } from './user-search.js';
import { dashboardRoutes } from './dashboard.js';
import { consentPurposeRoutes } from './consent-purposes.js';
import { identityProviderRoutes } from './identity-providers.js';
import { keyRoutes } from './keys.js';
import { samlIdpKeyRoutes } from './saml-idp-keys.js';
import { outboundConnectorRoutes } from './outbound-connectors.js';
import { scimClientRoutes } from './scim-clients.js';
import { settingsRoutes } from './settings.js';
import { userConsentRoutes } from './user-consents.js';
import { userMfaRoutes } from './user-mfa.js';
import { userPasswordRoutes } from './user-passwords.js';
import { userSignInThrottleRoutes } from './user-sign-in-throttle.js';
import { userStoreRoutes } from './user-stores.js';

export const ADMIN_API_VERSION = '1.0.0';

/** Every resource module of the admin API; each returns a router built from the context. */
const resources = [
  settingsRoutes,
  userStoreRoutes,
  identityProviderRoutes,
  scimClientRoutes,
  consentPurposeRoutes,
  userConsentRoutes,
  userPasswordRoutes,
  userSignInThrottleRoutes,
  userMfaRoutes,
  applicationRoutes,
  keyRoutes,
  samlIdpKeyRoutes,
  outboundConnectorRoutes,
  identityProviderSimulateRoutes,
  userSearchRoutes,
  userRoutes,
  federatedIdentityRoutes,
  auditEventRoutes,
  dashboardRoutes,
];

export interface AdminApiOptions {
  /** In process (configuration as code): every request acts as this actor, without a token. */
  actor?: Actor;
  /** The in-process actor's role (default admin). */
  role?: AdminRole;
}

export function createAdminApi(ctx: AppContext, options: AdminApiOptions = {}) {
  const api = new OpenAPIHono<AppEnv>();
  registerSecuritySchemes(api);
  api.doc31('/openapi.json', openApiInfo);
  const { actor } = options;
  const authenticate: MiddlewareHandler<AppEnv> = actor
    ? async (c, next) => {
        c.set('actor', actor);
        c.set('adminRole', options.role ?? 'admin');
        await next();
      }
    : adminAuth(() => ctx.adminTokenHash, consolePrincipal(ctx));
  api.use('*', authorize(authenticate));
  // Bodies are limited in front of every route (src/body-limit-rules.ts).
  api.use(
    '*',
    adminChangeLog(() => ctx.logger),
  );
  for (const resource of resources) api.route('/', resource(ctx));
  api.route(
    '/',
    configRoutes(ctx, () => adminBinding(ctx), configSchema),
  );
  documentRouteRoles(api);
  return api;
}

/** The admin API for configuration as code, bound to the engine's transaction (see in-process.ts). */
export function adminBinding(ctx: AppContext): AdminBinding {
  return adminBindingWith(ctx, createAdminApi);
}

let schema: JsonSchema | undefined;
/** The configuration file's JSON Schema, built from this API's own schemas. */
export function configSchema(): JsonSchema {
  schema ??= buildConfigSchema(buildOpenApiDocument());
  return schema;
}

export const openApiInfo = {
  openapi: '3.1.0',
  info: {
    title: 'jitbridge admin API',
    version: ADMIN_API_VERSION,
    description:
      'Configure identity providers, JIT provisioning policy, user stores, applications, SCIM clients and outbound connectors. ' +
      'Errors are application/problem+json with a stable `code`. PATCH takes a JSON merge patch (RFC 7396). Secrets are write-only.',
  },
  servers: [{ url: '/api/v1' }],
  security: [{ adminToken: [] as string[] }, { consoleOAuth: [] as string[] }] as Array<Record<string, string[]>>,
};

/** The OpenAPI document, built without a database: route modules must not touch the context while building. */
export function buildOpenApiDocument(): object {
  const unavailable = new Proxy({} as AppContext, {
    get: (_target, key) => {
      if (key === 'config') return undefined;
      throw new Error(`route modules must not read context.${String(key)} while the app is being built`);
    },
  });
  return createAdminApi(unavailable).getOpenAPI31Document(openApiInfo);
}

export { docsPage } from './docs-page.js';
