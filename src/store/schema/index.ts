// The whole drizzle schema. drizzle-kit reads this file to generate migrations into drizzle/.
export * from './core.js';
export * from './identity.js';
export * from './access.js';
export * from './delivery.js';
export * from './sessions.js';
export * from './login-throttle.js';
export * from './pending-provisionings.js';
export * from './mfa.js';
export * from './saml-idp.js';
export * from './scim-paging.js';
