// Who signed in, as the SAML IdP needs it (SamlSignInResult), read from the authorization code the login issued to a
// SAML app's client: the account (the OIDC `sub`), when and how it authenticated, and its OP session (the
// loginSessionId that ties the SP sessions to jitbridge's own, for Single Logout).
import type { KoaContextWithOIDC } from 'oidc-provider';
import { isUuid, type ScimUserResource } from '../domain/index.js';
import type { SamlSignInResult } from '../saml-idp/index.js';
import { type Store, findAccountUserWithGroups } from '../store/index.js';
import { createFindAccount } from './account.js';

/** What the code tells (oidc-provider's AuthorizationCode). */
export interface IssuedCode {
  accountId?: string | undefined;
  authTime?: number | undefined;
  amr?: string[] | undefined;
  acr?: string | undefined;
  sessionUid?: string | undefined;
}

/** amr values (RFC 8176) and acr values that mean a second factor was used. */
const MFA_AMR = new Set(['mfa', 'otp', 'hwk', 'swk', 'sms', 'fpt', 'face', 'iris', 'retina', 'vbm']);
const MFA_ACR = new Set(['https://refeds.org/profile/mfa', 'http://schemas.openid.net/pape/policies/2007/06/multi-factor']);

export const usedMfa = (code: IssuedCode) => (code.amr ?? []).some((v) => MFA_AMR.has(v)) || MFA_ACR.has(code.acr ?? '');

/** The claims of a JIT-disabled login (stored beside the session only) as the SCIM user the SAML mapping reads. */
function scimFromClaims(claims: Record<string, unknown>): ScimUserResource {
  const text = (key: string) => (typeof claims[key] === 'string' ? (claims[key] as string) : undefined);
  const email = text('email');
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: text('preferred_username') ?? email ?? String(claims.sub),
    ...(text('name') ? { displayName: text('name') } : {}),
    name: { givenName: text('given_name'), familyName: text('family_name') },
    ...(email ? { emails: [{ value: email, primary: true }] } : {}),
  } as ScimUserResource;
}

export async function signedInPerson(store: Store, code: IssuedCode): Promise<SamlSignInResult | undefined> {
  const accountId = code.accountId;
  if (!accountId) return undefined;
  const how = {
    authTime: new Date((code.authTime ?? Math.floor(Date.now() / 1000)) * 1000),
    mfa: usedMfa(code),
    loginSessionId: code.sessionUid ?? null,
  };
  if (isUuid(accountId)) {
    const user = await findAccountUserWithGroups(store.db, accountId);
    // A user still being written by a non-blocking JIT job, deactivated or locked: no assertion.
    if (!user || !user.active || user.locked) return undefined;
    return { accountId, user: user.resource as ScimUserResource, groups: user.groups, ...how };
  }
  // A JIT-disabled login: its `sub` is the pairwise id of (IdP, upstream subject), its claims live beside the session.
  const account = await createFindAccount(store)(undefined as unknown as KoaContextWithOIDC, accountId);
  if (!account) return undefined;
  const claims = (await account.claims('id_token', 'openid email profile groups', {}, [])) as Record<string, unknown>;
  const groups = Array.isArray(claims.groups) ? claims.groups.filter((g): g is string => typeof g === 'string') : [];
  return { accountId, user: scimFromClaims(claims), groups, ...how };
}
