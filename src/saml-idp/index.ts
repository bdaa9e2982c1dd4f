// The app-facing SAML 2.0 IdP: metadata, SSO, SLO. The login hands it the person through `SamlSso.finish`.
import type { AppContext } from '../http/index.js';
import { samlIdpRoutes } from './routes.js';
import { createSamlSso, type SamlLoginStarter, type SamlSso } from './sso.js';

export { createSamlSso } from './sso.js';
export type { SamlLoginRequest, SamlLoginStarter, SamlSignInResult, SamlSso } from './sso.js';
export { createSamlSlo, type SamlSlo } from './slo.js';
export { STATUS as SAML_STATUS } from './response.js';
export { idpEndpoints, SAML_BASE_PATH } from './endpoints.js';
export { MAX_MESSAGE_CHARS, MAX_RELAY_STATE_BYTES } from './binding.js';
export {
  ensureSamlIdpKeys,
  listSamlIdpKeys,
  rotateSamlIdpKeys,
  DEFAULT_KEEP_PREVIOUS_SECONDS,
  SAML_KEY_SIZES,
  type SamlKeyView,
} from './keys.js';
export { readCertificate, certificateInfo, selfSignedKey, type CertificateInfo, type SelfSignedKey } from './certificates.js';

export interface SamlIdpEdge {
  routes: ReturnType<typeof samlIdpRoutes>;
  sso: SamlSso;
}

/**
 * How the SAML IdP reaches the login (src/oidc/saml-login.ts, which signs SAML apps in through the OIDC login): a
 * starter for the SSO it finishes, and how an SP's logout ends the jitbridge sign-in session behind it.
 */
export interface SamlLoginConnector {
  starter(sso: SamlSso): SamlLoginStarter;
  endLoginSession(loginSessionId: string): Promise<void>;
}

/** The SAML IdP edge: its requests sign in through the login the connector gives (the OpenID Provider's, saml-login.ts). */
export function createSamlIdpEdge(ctx: AppContext, connector: SamlLoginConnector): SamlIdpEdge {
  let starter: SamlLoginStarter;
  const sso = createSamlSso({
    store: ctx.store,
    publicUrl: ctx.config.publicUrl,
    starter: { start: (c, request) => starter.start(c, request) },
  });
  starter = connector.starter(sso);
  return { routes: samlIdpRoutes(ctx, sso, connector.endLoginSession), sso };
}
export { fetchSpMetadata } from './sp-metadata.js';
export { readSpMetadata } from './sp-metadata.js';
export { type ImportedSettings } from './sp-metadata.js';
export { SamlIdpError } from './errors.js';
export { errorResponse as samlErrorResponse } from './sso.js';
