// The console's client: a built-in first-party public client (authorization code + PKCE, no secret) whose
// redirect URIs are under PUBLIC_URL/console/. It is an application row like any other (created at start,
// store/bootstrap.ts), so admins choose its IdPs and sign-in flow (MFA) through the same API; what makes it the
// console's (public, PKCE, where it may redirect) is fixed here and laid over the row whenever oidc-provider reads it.
// Its access tokens are for one resource, the admin API, with one scope per role the person's groups allow.
import type Provider from 'oidc-provider';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { CONSOLE_SCOPES, DEFAULT_ROLE_GROUPS, roleOfGroups, scopesUpTo, type RoleGroups } from '../domain/index.js';
import type { AppContext } from '../http/index.js';
import { type ApplicationOidcSettings, type Store, ensureBuiltInApplication, findAdminMember } from '../store/index.js';

export const CONSOLE_CLIENT_ID = 'jitbridge-console';

/** How long a console access token lives. Roles are checked again on every request, so this bounds only reuse. */
export const CONSOLE_ACCESS_TOKEN_TTL = 15 * 60;

/** The resource indicator (and audience) of the admin API: the console's tokens are good there and nowhere else. */
export const adminApiResource = (publicUrl: string) => `${publicUrl}/api/v1`;

export function consoleOidcSettings(publicUrl: string): ApplicationOidcSettings {
  return {
    redirectUris: [`${publicUrl}/console/callback`],
    postLogoutRedirectUris: [`${publicUrl}/console/`],
    grantTypes: ['authorization_code'],
    tokenEndpointAuthMethod: 'none',
    requirePkce: true,
  };
}

/** The protocol settings that stay the console's whatever the row says (an admin edits only IdPs and flow). */
export function consoleClientOverlay(publicUrl: string): Record<string, unknown> {
  const settings = consoleOidcSettings(publicUrl);
  return {
    redirect_uris: settings.redirectUris,
    post_logout_redirect_uris: settings.postLogoutRedirectUris,
    grant_types: settings.grantTypes,
    response_types: ['code'],
    application_type: 'web',
    token_endpoint_auth_method: 'none',
    client_secret: undefined,
  };
}

export const roleGroupsOf = (ctx: AppContext): RoleGroups => ctx.config.consoleGroups ?? DEFAULT_ROLE_GROUPS;

/** The admin API scopes a person may be granted now: those of the highest role their groups hold. */
export async function grantableConsoleScopes(store: Store, groups: RoleGroups, accountId: string): Promise<string[]> {
  const member = await findAdminMember(store.db, accountId);
  if (!member?.usable) return [];
  return scopesUpTo(roleOfGroups(member.groups, groups));
}

/** oidc-provider's resourceIndicators feature: the admin API is a resource for the console client only. */
export function consoleResourceIndicators(publicUrl: string) {
  const resource = adminApiResource(publicUrl);
  return {
    enabled: true,
    defaultResource: async (_ctx: KoaContextWithOIDC, client: { clientId: string } | undefined, oneOf?: readonly string[]) =>
      oneOf ?? (client?.clientId === CONSOLE_CLIENT_ID ? resource : undefined),
    useGrantedResource: async () => true,
    getResourceServerInfo: async (_ctx: KoaContextWithOIDC, indicator: string, client: { clientId: string }) => {
      if (client.clientId !== CONSOLE_CLIENT_ID || indicator !== resource) throw new errors.InvalidTarget();
      return {
        scope: CONSOLE_SCOPES.join(' '),
        audience: resource,
        accessTokenTTL: CONSOLE_ACCESS_TOKEN_TTL,
        accessTokenFormat: 'opaque' as const,
      };
    },
  };
}

const CONSOLE_SIGN_IN_FLOW = { steps: [{ options: [{ authenticator: 'LOCAL' }] }] };

/** The console's application row, made at start; its redirect URIs follow PUBLIC_URL. */
export async function ensureConsoleApplication(store: Store, publicUrl: string): Promise<void> {
  await ensureBuiltInApplication(store.db, {
    clientId: CONSOLE_CLIENT_ID,
    name: 'jitbridge console',
    oidc: consoleOidcSettings(publicUrl),
    identityProviders: [],
    signInFlow: CONSOLE_SIGN_IN_FLOW,
  });
}

/** The person and scopes of a console access token for the admin API, or null (unknown, expired, revoked, other). */
export async function verifyConsoleAccessToken(
  provider: Provider,
  publicUrl: string,
  token: string,
): Promise<{ accountId: string; scopes: string[] } | null> {
  const found = await provider.AccessToken.find(token);
  if (!found || found.isExpired || found.clientId !== CONSOLE_CLIENT_ID || !found.accountId) return null;
  const audience = [found.aud].flat();
  if (!audience.includes(adminApiResource(publicUrl))) return null;
  return { accountId: found.accountId, scopes: (found.scope ?? '').split(' ').filter(Boolean) };
}
