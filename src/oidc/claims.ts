// Standard claims (OpenID Connect Core §5.1) from a SCIM User (RFC 7643 §4.1), and which scope releases
// which claim (§5.4). `groups` is released by the `groups` scope.
import type { ScimUserResource } from '../domain/index.js';

export const SCOPE_CLAIMS = {
  // acr/amr/auth_time describe the upstream authentication; oidc-provider takes them from the session.
  openid: ['sub', 'acr', 'amr', 'auth_time'],
  email: ['email', 'email_verified'],
  profile: ['name', 'given_name', 'family_name', 'preferred_username', 'updated_at'],
  groups: ['groups'],
} as const;

export const SUPPORTED_SCOPES = ['openid', 'offline_access', 'email', 'profile', 'groups'];

export type OidcClaims = Record<string, unknown>;

function primaryEmail(resource: Partial<ScimUserResource>) {
  const emails = (resource.emails ?? []).filter((e) => typeof e.value === 'string' && e.value !== '');
  return emails.find((e) => e.primary === true) ?? emails[0];
}

export interface ExtraClaims {
  groups?: string[] | undefined;
  updatedAt?: Date;
  /** Lower-cased addresses an IdP vouched for (see provisioning/email-verification.ts); none when absent. */
  verifiedEmails?: ReadonlySet<string>;
}

/** The claims a SCIM user gives; missing attributes are left out rather than sent empty. */
export function claimsFromScimUser(resource: Partial<ScimUserResource>, extra: ExtraClaims = {}): OidcClaims {
  const email = primaryEmail(resource);
  const given = resource.name?.givenName;
  const family = resource.name?.familyName;
  const name = resource.displayName ?? resource.name?.formatted ?? ([given, family].filter(Boolean).join(' ') || undefined);
  const claims: OidcClaims = {
    email: email?.value,
    // SCIM has no "verified" flag: the caller says which addresses an IdP vouched for.
    email_verified: email ? (extra.verifiedEmails?.has((email.value as string).toLowerCase()) ?? false) : undefined,
    name,
    given_name: given,
    family_name: family,
    preferred_username: resource.userName,
    groups: extra.groups,
    updated_at: extra.updatedAt ? Math.floor(extra.updatedAt.getTime() / 1000) : undefined,
  };
  return Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
}

const looksLikeScim = (claims: Record<string, unknown>) =>
  Array.isArray(claims.schemas) ||
  'userName' in claims ||
  Array.isArray(claims.emails) ||
  (typeof claims.name === 'object' && claims.name !== null);

/**
 * Claims of a federated identity that is not stored (JIT off): the login result carries them mapped to
 * SCIM attributes (or already as OIDC claims); either way the app receives standard OIDC claims. The
 * provisioning core adds `email_verified` (whether the IdP vouched for this login's email) beside the
 * SCIM attributes; every email of a pass-through login comes from that one IdP.
 */
export function claimsFromFederated(claims: Record<string, unknown> | null | undefined): OidcClaims {
  if (!claims) return {};
  if (looksLikeScim(claims)) {
    const resource = claims as Partial<ScimUserResource>;
    const groups = Array.isArray(claims.groups)
      ? (claims.groups as unknown[])
          .map((g) =>
            typeof g === 'string' ? g : ((g as { display?: string; value?: string })?.display ?? (g as { value?: string })?.value),
          )
          .filter((g): g is string => typeof g === 'string')
      : Array.isArray(resource.roles)
        ? resource.roles.map((r) => r.display ?? r.value).filter((g): g is string => typeof g === 'string')
        : undefined;
    const emails = new Set((resource.emails ?? []).map((e) => String(e.value ?? '').toLowerCase()));
    return claimsFromScimUser(resource, { groups, verifiedEmails: claims.email_verified === true ? emails : undefined });
  }
  const allowed = new Set<string>(Object.values(SCOPE_CLAIMS).flat());
  return Object.fromEntries(Object.entries(claims).filter(([k]) => allowed.has(k) && k !== 'sub'));
}
