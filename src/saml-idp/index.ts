// The app-facing SAML 2.0 IdP: metadata, SSO, SLO. The login hands it the person through `SamlSso.finish`.
import type { AppContext } from '../http/index.js';
import { samlIdpRoutes } from './routes.js';
import { createSamlSso, notConnectedStarter, type SamlLoginStarter, type SamlSso } from './sso.js';

export { createSamlSso, notConnectedStarter } from './sso.js';
export type { SamlLoginRequest, SamlLoginStarter, SamlSignInResult, SamlSso } from './sso.js';
export { createSamlSlo, type SamlSlo } from './slo.js';
export { STATUS as SAML_STATUS } from './response.js';
export { idpEndpoints } from './endpoints.js';
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

/** The SAML IdP edge; `starter` is the login's way in (until part 2 of issue 24, the not-connected one). */
export function createSamlIdpEdge(ctx: AppContext, starter?: SamlLoginStarter): SamlIdpEdge {
  let sso: SamlSso;
  sso = createSamlSso({ store: ctx.store, publicUrl: ctx.config.publicUrl, starter: starter ?? notConnectedStarter(() => sso) });
  return { routes: samlIdpRoutes(ctx, sso), sso };
}
export { fetchSpMetadata } from './sp-metadata.js';
export { readSpMetadata } from './sp-metadata.js';
export { type ImportedSettings } from './sp-metadata.js';
export { SamlIdpError } from './errors.js';
