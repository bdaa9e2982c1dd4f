// The OpenID Provider's side of the `saml:<appId>` clients (store/saml-client-applications.ts): their one redirect
// URI is jitbridge's own SAML return route, which depends on PUBLIC_URL, so it is added here as the console's
// fixed settings are (console-client.ts), whatever the stored view says.
import { isSamlClientId } from '../store/index.js';

/** Where the login of a SAML app comes back with its code (saml-login.ts). */
export const SAML_RETURN_PATH = '/saml/sso/return';

export const samlReturnUrl = (publicUrl: string) => `${publicUrl}${SAML_RETURN_PATH}`;

/** The client metadata a `saml:` client always has; nothing for any other client. */
export function samlClientOverlay(clientId: string, publicUrl: string): Record<string, unknown> {
  if (!isSamlClientId(clientId)) return {};
  return {
    redirect_uris: [samlReturnUrl(publicUrl)],
    post_logout_redirect_uris: [],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    application_type: 'web',
    token_endpoint_auth_method: 'none',
  };
}
