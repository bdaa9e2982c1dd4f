// The federation edge: upstream OIDC and SAML connectors. It starts an upstream login (beginUpstreamLogin) and
// turns its callback into a verified FederatedIdentity (verifyOidcCallback, verifySamlCallback); what that
// identity becomes is the login's step (src/login/steps/finish-federated.ts).
export { beginUpstreamLogin, checkReturnTo, type BeginLogin, type FederationContext } from './start.js';
export { verifyOidcCallback, verifySamlCallback, type VerifiedCallback } from './callback.js';
export { type MissingClaims } from './oidc.js';
export { federationRoutes } from './routes.js';
export { FederationError, UnknownFlowError } from './errors.js';
export { MAX_SAML_RESPONSE_BYTES, spEndpoints } from './saml.js';

export { defaultClaimMappings } from './claim-defaults.js';
export { parseIdpMetadata, toPem } from './saml-metadata.js';
export { BINDING_POST } from './samlify.js';
export { BINDING_REDIRECT } from './samlify.js';
export { samlifyApi } from './samlify.js';
export { type IdpEntity } from './samlify.js';
export { type SpEntity } from './samlify.js';
