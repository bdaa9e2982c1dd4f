// The enhanced feature's read-only rule (reference 000/002, "Editing JIT provisioned user's attributes will
// not be allowed"): with settings.jit.enhancedFeature on, the attributes of a user that an IdP JIT-provisioned
// (`users.jit_idp_id` set) are owned by that IdP. Only its sync writes them; SCIM clients and admins may still
// change `active` (and lock, unlock, delete, which are not attribute writes). Pure: the SCIM and admin write
// paths call it with the paths they are about to change, and refuse with a `mutability` error.
import { AppError } from './errors.js';
import { SCIM_USER_SCHEMA } from './scim-user.js';

/** Who is writing: an IdP's attribute sync is the owner; everybody else is refused. */
export type AttributeWriter = 'idp' | 'scim' | 'admin' | 'user' | 'system';

/** Attributes SCIM clients and admins may still change on a read-only JIT user (lowercase, core schema). */
export const WRITABLE_ON_JIT_USERS: ReadonlySet<string> = new Set(['active']);

/** Paths that are not attributes of the person (`meta` is server-owned, `schemas` just lists extensions). */
const IGNORED = new Set(['schemas', 'id', 'meta']);

export interface ReadOnlyCheck {
  settings: { jit: { enhancedFeature: boolean } };
  user: { jitIdpId: string | null };
  /**
   * The SCIM attribute paths the write would change: as a PATCH names them, or as `changedAttributePaths`
   * (domain/attribute-changes.ts) finds them between the stored and the new resource.
   */
  changedPaths: readonly string[];
  writer: AttributeWriter;
}

/** The top-level attribute a path starts at, lower-cased; the core schema URN prefix is dropped. */
export function topLevelAttribute(path: string): string {
  let rest = path.trim();
  if (rest.toLowerCase().startsWith(`${SCIM_USER_SCHEMA.toLowerCase()}:`)) rest = rest.slice(SCIM_USER_SCHEMA.length + 1);
  // Extension URNs keep their attribute: `urn:...:enterprise:2.0:User:manager.value` is `urn:...:User:manager`
  // (the URN itself holds dots, so cut after its last colon).
  if (rest.toLowerCase().startsWith('urn:')) {
    const beforeFilter = rest.split('[', 1)[0]!;
    const colon = beforeFilter.lastIndexOf(':');
    return (beforeFilter.slice(0, colon + 1) + beforeFilter.slice(colon + 1).split('.', 1)[0]!).toLowerCase();
  }
  return rest.split(/[.[]/, 1)[0]!.toLowerCase();
}

/** The first path this write may not change, or null when the write is allowed. */
export function jitReadOnlyViolation(check: ReadOnlyCheck): string | null {
  if (!check.settings.jit.enhancedFeature || check.user.jitIdpId === null) return null;
  if (check.writer === 'idp') return null;
  for (const path of check.changedPaths) {
    const attribute = topLevelAttribute(path);
    if (attribute === '' || IGNORED.has(attribute) || WRITABLE_ON_JIT_USERS.has(attribute)) continue;
    return path;
  }
  return null;
}

/** Like `jitReadOnlyViolation`, but throws the `mutability` error (SCIM 400 scimType mutability; admin 400). */
export function assertJitWritable(check: ReadOnlyCheck): void {
  const path = jitReadOnlyViolation(check);
  if (path === null) return;
  throw new AppError(
    'invalid_input',
    'mutability',
    `attribute '${path}' of a JIT-provisioned user is read-only while settings.jit.enhancedFeature is on (its identity provider owns it)`,
    [{ field: path, message: 'read-only for JIT-provisioned users' }],
  );
}
