// A SAML application as a client of jitbridge's own OpenID Provider (issue 24 part 2): the SAML IdP signs people in
// by sending them through the OIDC login with client_id `saml:<appId>`, so the interaction, its chooser, upstream
// login, JIT, prompts and MFA run once for both protocols. Whoever reads an app by client_id (the interaction, the
// session-IdP check, oidc-provider's client adapter) gets this view: the SAML app's own name, identity providers and
// sign-in flow, with fixed OIDC settings (public client, code + PKCE, first-party: SAML has no consent for scopes).
// The redirect URI depends on PUBLIC_URL and is added by the OpenID Provider (src/oidc/saml-clients.ts).
// ':' is not allowed in client ids chosen through the admin API, so this namespace cannot be taken by an OIDC app.
import { isUuid } from '../domain/index.js';
import type { Application } from './applications-repo.js';
import type { Db } from './database.js';
import { findSamlApplicationById } from './saml-applications-repo.js';

export const SAML_CLIENT_PREFIX = 'saml:';

export const samlClientId = (applicationId: string) => `${SAML_CLIENT_PREFIX}${applicationId}`;

export const isSamlClientId = (clientId: string) => clientId.startsWith(SAML_CLIENT_PREFIX);

/** The Application view of the SAML app behind a `saml:<appId>` client id, or undefined. */
export async function findSamlClientApplication(db: Db, clientId: string): Promise<Application | undefined> {
  const id = clientId.slice(SAML_CLIENT_PREFIX.length);
  if (!isSamlClientId(clientId) || !isUuid(id)) return undefined;
  const saml = await findSamlApplicationById(db, id);
  if (!saml) return undefined;
  return {
    id: saml.id,
    name: saml.name,
    clientId,
    clientSecretHash: null,
    oidc: {
      redirectUris: [],
      postLogoutRedirectUris: [],
      grantTypes: ['authorization_code'],
      tokenEndpointAuthMethod: 'none',
      requirePkce: true,
      firstParty: true,
    },
    identityProviders: saml.identityProviders,
    signInFlow: saml.signInFlow,
    createdAt: saml.createdAt,
    updatedAt: saml.updatedAt,
  };
}
