// The federation edge: upstream OIDC and SAML logins. Other edges (the app-facing OpenID Provider) start a login
// with beginUpstreamLogin and take its outcome in the callback's response (LoginHandoff), or read it later with
// consumeLoginResult (src/store/login-results-repo.ts).
export {
  beginUpstreamLogin,
  checkReturnTo,
  completeOidcLogin,
  completeSamlLogin,
  type BeginLogin,
  type Completion,
  type FederationContext,
  type LoginOutcome,
  type OutcomeHandoff,
} from './login.js';
export { federationRoutes, type LoginHandoff } from './routes.js';
export { FederationError, UnknownFlowError } from './errors.js';
export { MAX_SAML_RESPONSE_BYTES, spEndpoints } from './saml.js';

export { defaultClaimMappings } from './claim-defaults.js';
export { parseIdpMetadata, toPem } from './saml-metadata.js';
export { BINDING_POST } from './samlify.js';
export { BINDING_REDIRECT } from './samlify.js';
export { samlifyApi } from './samlify.js';
export { type IdpEntity } from './samlify.js';
export { type SpEntity } from './samlify.js';
