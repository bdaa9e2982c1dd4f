// The federation edge: upstream OIDC and SAML logins. Other edges (the app-facing OpenID Provider) start a login
// with beginUpstreamLogin and read its outcome with consumeLoginResult (src/store/login-results-repo.ts).
export {
  beginUpstreamLogin,
  checkReturnTo,
  completeOidcLogin,
  completeSamlLogin,
  type BeginLogin,
  type FederationContext,
} from './login.js';
export { federationRoutes } from './routes.js';
export { FederationError, UnknownFlowError } from './errors.js';
export { spEndpoints } from './saml.js';
