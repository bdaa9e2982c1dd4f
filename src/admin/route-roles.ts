// Who may call what: every route of the admin API with the least role it needs (src/domain/admin-roles.ts), in
// one table that the authorization middleware (authorize.ts) reads. A route missing here is refused to everyone,
// the admin token included: a new route must be added with its role (test/unit/route-roles.test.ts walks every
// route of the API and fails on one that is not here). Keys are `METHOD /path` as in the OpenAPI document.
import type { AdminRole } from '../domain/index.js';

/** `public`: answered without a token (documents editors and tools fetch). */
export type RouteAccess = AdminRole | 'public';

const READ: AdminRole = 'auditor';
/** The day-to-day work the issue names for operators: requeue deliveries, lock/unlock links, reset MFA. */
const OPERATE: AdminRole = 'operator';
const ADMIN: AdminRole = 'admin';

export const ROUTE_ROLES: Readonly<Record<string, RouteAccess>> = {
  'GET /openapi.json': 'public',
  'GET /config/schema.json': 'public',

  'GET /settings': READ,
  'PATCH /settings': ADMIN,

  'GET /user-stores': READ,
  'POST /user-stores': ADMIN,
  'GET /user-stores/{id}': READ,
  'PUT /user-stores/{id}': ADMIN,
  'PATCH /user-stores/{id}': ADMIN,
  'DELETE /user-stores/{id}': ADMIN,

  'GET /identity-providers': READ,
  'POST /identity-providers': ADMIN,
  'GET /identity-providers/{id}': READ,
  'PUT /identity-providers/{id}': ADMIN,
  'PATCH /identity-providers/{id}': ADMIN,
  'DELETE /identity-providers/{id}': ADMIN,
  // A dry run: it writes nothing, so whoever may read the IdP may see what a login would do.
  'POST /identity-providers/{id}/simulate': READ,

  'GET /scim-clients': READ,
  'POST /scim-clients': ADMIN,
  'PUT /scim-clients/{id}': ADMIN,
  'DELETE /scim-clients/{id}': ADMIN,

  'GET /consent-purposes': READ,
  'POST /consent-purposes': ADMIN,
  'GET /consent-purposes/{id}': READ,
  'PUT /consent-purposes/{id}': ADMIN,
  'PATCH /consent-purposes/{id}': ADMIN,
  'DELETE /consent-purposes/{id}': ADMIN,

  'GET /users': READ,
  'GET /users/{id}': READ,
  'GET /users/{id}/federated-identities': READ,
  'GET /users/{id}/consents': READ,
  'DELETE /users/{id}/consents/{receiptId}': ADMIN,
  'POST /users/{id}/consents/{receiptId}/revoke': ADMIN,
  'PUT /users/{id}/password': ADMIN,
  'DELETE /users/{id}/password': ADMIN,
  'GET /users/{id}/mfa': READ,
  'DELETE /users/{id}/mfa/totp': OPERATE,
  'GET /users/{id}/sign-in-throttle': READ,
  // Lifting a sign-in wait is unlock work, like unlocking a link.
  'DELETE /users/{id}/sign-in-throttle': OPERATE,

  'GET /federated-identities/{id}': READ,
  // Lock or unlock a link: the only field this PATCH takes.
  'PATCH /federated-identities/{id}': OPERATE,

  'GET /applications': READ,
  'POST /applications': ADMIN,
  'GET /applications/{id}': READ,
  'PUT /applications/{id}': ADMIN,
  'PATCH /applications/{id}': ADMIN,
  'DELETE /applications/{id}': ADMIN,
  'POST /applications/{id}/client-secret': ADMIN,

  'GET /keys': READ,
  'POST /keys/signing/rotate': ADMIN,
  'POST /keys/cookie/rotate': ADMIN,
  'GET /saml-idp/keys': READ,
  'POST /saml-idp/keys/rotate': ADMIN,

  'GET /outbound-connectors': READ,
  'POST /outbound-connectors': ADMIN,
  'GET /outbound-connectors/{id}': READ,
  'PUT /outbound-connectors/{id}': ADMIN,
  'PATCH /outbound-connectors/{id}': ADMIN,
  'DELETE /outbound-connectors/{id}': ADMIN,
  // A health check of the target (reads its ServiceProviderConfig); it changes nothing here or there.
  'POST /outbound-connectors/{id}/test': OPERATE,
  'GET /outbound-connectors/{id}/events': READ,
  'POST /outbound-connectors/{id}/events/{eventId}/retry': OPERATE,
  'POST /outbound-connectors/{id}/retry': OPERATE,
  'POST /outbound-connectors/{id}/sync': ADMIN,
  'GET /outbound-connectors/{id}/sync': READ,

  'GET /audit-events': READ,
  'GET /dashboard': READ,

  // The plan writes nothing, but it is the configuration file's first half: whoever applies plans.
  'POST /config/plan': ADMIN,
  'POST /config/apply': ADMIN,
};

/** `GET /users/{id}` for hono's `/users/:id`. */
export const routeKey = (method: string, honoPath: string): string =>
  `${method.toUpperCase()} ${honoPath.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '{$1}')}`;

/** The access a route needs, or undefined when the table does not list it (refused). */
export const accessOf = (method: string, honoPath: string): RouteAccess | undefined => ROUTE_ROLES[routeKey(method, honoPath)];
