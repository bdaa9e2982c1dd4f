// App-wide middleware: admin and SCIM bearer auth, errors in each protocol's format, request ids, client
// addresses, security headers; and the AppContext every edge receives. The folder's public face: other folders
// import from here only.
export { ADMIN_TOKEN_PRINCIPAL, type AdminPrincipal, adminAuth, type ConsoleTokenCheck } from './admin-auth.js';
export type { AppContext, AppEnv } from './app-context.js';
export { resolveClientAddress, TrustedProxies } from './client-address.js';
export { bodyLimits, bodyLimitRuleFor, type BodyLimitRule } from './body-limits.js';
export { errorHandler, notFoundHandler, withDatabaseTimeout } from './errors.js';
export { healthRoutes } from './health-routes.js';
export { requestContext } from './request-context.js';
export { requestSpan } from './request-span.js';
export { completeResponse } from './response-headers.js';
export { hasScope, SCIM_SCOPES, scimAuth, type ScimEnv, type ScimPrincipal, type ScimScope } from './scim-auth.js';
export { SCIM_MEDIA_TYPE, scimErrorBody, scimErrorResponse, toScimError } from './scim-error.js';
export { securityHeaders } from './security-headers.js';
