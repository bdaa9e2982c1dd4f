// Claim mapping: the IdP's `claimMappings` turn raw federated claims (OIDC claims, SAML attributes, which may be
// multi-valued) into SCIM User attribute values; `roleMappings` turn remote role values into local group names.
import { type FederatedIdentity, type IdentityProvider, SCIM_USER_SCHEMA, type ScimUserResource } from '../domain/index.js';
import { isMultiValued, parseScimPath, setAtPath, type ScimPath } from './scim-path.js';

export interface MappedValue {
  path: ScimPath;
  value: unknown;
  /** The remote claim it came from. */
  remote: string;
}

export interface MappedClaims {
  /** The mapped attributes, by canonical path key (userName excluded: the core decides the username). */
  values: Map<string, MappedValue>;
  /** The mapped `userName`, if the IdP sent one (may carry a `DOMAIN/` prefix). */
  userName: string | null;
  /** The mapped email used for association, and whether the IdP vouches for it. */
  email: string | null;
  emailVerified: boolean;
  /** Remote role values seen, and the local group names they grant (deduplicated, in order). */
  remoteRoles: string[];
  groups: string[];
  /** Remote roles with no role mapping (ignored, as in the reference product). */
  unmappedRoles: string[];
  /** Mappings whose target path could not be used (named in the simulation). */
  problems: string[];
}

/** Claims that carry roles when no claim mapping targets `groups`/`roles`. */
const DEFAULT_ROLE_CLAIMS = [
  'groups',
  'roles',
  'role',
  'http://schemas.microsoft.com/ws/2008/06/identity/claims/role',
  'http://schemas.xmlsoap.org/claims/Group',
  'http://wso2.org/claims/role',
];

/** A claim by name: exact, then case-insensitive, then a dotted walk into nested objects (OIDC `address.locality`). */
export function readClaim(claims: Record<string, unknown>, name: string): unknown {
  if (name in claims) return claims[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(claims)) if (key.toLowerCase() === lower) return claims[key];
  if (!name.includes('.') || name.includes('://')) return undefined;
  let current: unknown = claims;
  for (const part of name.split('.')) {
    if (!current || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

const isRoleTarget = (local: string) => {
  try {
    const path = parseScimPath(local);
    return !path.urn && !path.filter && !path.subAttribute && (path.attribute === 'groups' || path.attribute === 'roles');
  } catch {
    return false;
  }
};

/**
 * The remote claims whose values can change what mapClaims makes of a login for this IdP: the mapped ones,
 * `email_verified` unless the IdP is trusted for email, and the role claims when there are role mappings
 * (without any, roles only produce a warning). A connector that already holds all of them need not fetch more.
 */
export function claimsUsedBy(idp: Pick<IdentityProvider, 'claimMappings' | 'roleMappings' | 'trustEmail'>): string[] {
  const names = new Set(idp.claimMappings.map((m) => m.remote));
  if (!idp.trustEmail) names.add('email_verified');
  if (idp.roleMappings.length && !idp.claimMappings.some((m) => isRoleTarget(m.local)))
    for (const name of DEFAULT_ROLE_CLAIMS) names.add(name);
  return [...names];
}

const isEmpty = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

/** Values as a flat list of non-empty scalars (SAML attributes arrive as arrays; some IdPs send "a,b" never mind). */
function asList(value: unknown): unknown[] {
  const list = Array.isArray(value) ? value : [value];
  return list.filter((v) => !isEmpty(v));
}

/** A single-valued target takes the first value of a multi-valued claim. */
function coerce(path: ScimPath, value: unknown): unknown {
  const multiTarget = !path.urn && isMultiValued(path.attribute) && !path.filter && !path.subAttribute;
  if (multiTarget) return asList(value);
  const first = Array.isArray(value) ? asList(value)[0] : value;
  if (path.attribute === 'active' && !path.urn && typeof first === 'string') return first.toLowerCase() === 'true';
  if (typeof first === 'number' || typeof first === 'bigint') return String(first);
  return first;
}

export const isTrue = (v: unknown): boolean =>
  v === true || (typeof v === 'string' && v.toLowerCase() === 'true') || (Array.isArray(v) && isTrue(v[0]));

export function mapClaims(idp: IdentityProvider, identity: FederatedIdentity): MappedClaims {
  const values = new Map<string, MappedValue>();
  const problems: string[] = [];
  let userName: string | null = null;
  let roleClaims: string[] = [];
  for (const mapping of idp.claimMappings) {
    const raw = readClaim(identity.claims, mapping.remote);
    let path: ScimPath;
    try {
      path = parseScimPath(mapping.local);
    } catch (error) {
      problems.push(`${mapping.remote} → ${mapping.local}: ${(error as Error).message}`);
      continue;
    }
    if (!path.urn && !path.filter && (path.attribute === 'groups' || path.attribute === 'roles') && !path.subAttribute) {
      // A claim mapped to groups/roles is the role claim; its values go through roleMappings.
      roleClaims.push(mapping.remote);
      if (path.attribute === 'groups') continue;
    }
    if (isEmpty(raw)) continue;
    if (!path.urn && path.attribute === 'userName' && !path.subAttribute) {
      const first = coerce(path, raw);
      // Like every other path, the first mapping with a value wins (SAML defaults list several username attributes).
      if (userName === null && typeof first === 'string' && first !== '') userName = first;
      continue;
    }
    const value = coerce(path, raw);
    if (isEmpty(value)) continue;
    // Two mappings to one path: the first one with a value wins, so the outcome does not depend on claim order.
    if (!values.has(path.key)) values.set(path.key, { path, value, remote: mapping.remote });
  }

  if (roleClaims.length === 0) roleClaims = DEFAULT_ROLE_CLAIMS;
  const remoteRoles = [...new Set(roleClaims.flatMap((name) => asList(readClaim(identity.claims, name)).map(String)))];
  const groups: string[] = [];
  const unmappedRoles: string[] = [];
  for (const role of remoteRoles) {
    const targets = idp.roleMappings.filter((m) => m.remote === role).map((m) => m.local);
    if (targets.length === 0) unmappedRoles.push(role);
    for (const target of targets) if (!groups.some((g) => g.toLowerCase() === target.toLowerCase())) groups.push(target);
  }

  const email = primaryEmailOf(values);
  const emailVerified = idp.trustEmail || isTrue(readClaim(identity.claims, 'email_verified'));
  return { values, userName, email, emailVerified, remoteRoles, groups, unmappedRoles, problems };
}

function primaryEmailOf(values: Map<string, MappedValue>): string | null {
  for (const { path, value } of values.values()) {
    if (path.urn || path.attribute.toLowerCase() !== 'emails') continue;
    const first = Array.isArray(value)
      ? (value[0] as { value?: unknown } | undefined)?.value
      : path.subAttribute
        ? value
        : (value as { value?: unknown })?.value;
    if (typeof first === 'string' && first.includes('@')) return first.toLowerCase();
  }
  return null;
}

/** The SCIM User the federated claims describe (the IdP's view of the person), under a given userName. */
export function buildFederatedResource(mapped: MappedClaims, userName: string): ScimUserResource {
  const resource: ScimUserResource = { schemas: [SCIM_USER_SCHEMA], userName };
  // A copy, so that the resource never shares an object with the claims; scalars need none (structuredClone is costly).
  for (const { path, value } of mapped.values.values())
    setAtPath(resource, path, typeof value === 'object' && value !== null ? structuredClone(value) : value);
  return resource;
}
