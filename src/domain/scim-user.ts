// Plain types of the SCIM User as jitbridge stores it (RFC 7643 §4.1 and the enterprise extension §4.3).
// The stored resource is the SCIM representation without `id` and `meta`; `userName` carries the domain.

import { invalidInput } from './errors.js';

export const SCIM_USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const SCIM_ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const SCIM_GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

export interface MultiValued {
  value?: string;
  type?: string;
  primary?: boolean;
  display?: string;
  [key: string]: unknown;
}

export interface ScimUserResource {
  schemas: string[];
  userName: string;
  externalId?: string;
  name?: {
    formatted?: string;
    familyName?: string;
    givenName?: string;
    middleName?: string;
    honorificPrefix?: string;
    honorificSuffix?: string;
  };
  displayName?: string;
  nickName?: string;
  profileUrl?: string;
  title?: string;
  userType?: string;
  preferredLanguage?: string;
  locale?: string;
  timezone?: string;
  active?: boolean;
  emails?: MultiValued[];
  phoneNumbers?: MultiValued[];
  addresses?: Array<Record<string, unknown>>;
  photos?: MultiValued[];
  roles?: MultiValued[];
  [extension: string]: unknown;
}

/** Who wrote an attribute last: an IdP (JIT sync), a SCIM client, an admin, or the person on a page. */
export interface ProvenanceEntry {
  source: 'idp' | 'scim' | 'admin' | 'user' | 'system';
  sourceId: string | null;
  at: string;
  /**
   * On an IdP's entry of an `emails` path: whether that IdP vouched for the address (its `email_verified` claim,
   * or `trustEmail`). Kept here rather than as an `emails[].verified` sub-attribute, which SCIM clients would see
   * and could write.
   */
  emailVerified?: boolean;
}
export type Provenance = Record<string, ProvenanceEntry>;

/** The values kept in indexed columns beside the JSON resource. */
export interface UserColumns {
  externalId: string | null;
  primaryEmail: string | null;
  emailValues: string[];
  displayName: string | null;
  givenName: string | null;
  familyName: string | null;
  active: boolean;
}

/**
 * The longest value, in characters, of an attribute kept in an indexed column. A B-tree entry holds at most about
 * 2.7 kB and 512 characters of UTF-8 take at most 2 kB: a longer value would fail in the database (a 500) instead of
 * being refused as the bad input it is. Real values are far shorter (an email address has at most 254 octets).
 */
export const MAX_INDEXED_VALUE_LENGTH = 512;

/** Refuses (400 `invalidValue`) a value of an indexed attribute longer than MAX_INDEXED_VALUE_LENGTH. */
export function checkIndexedLength(path: string, value: unknown): void {
  if (typeof value === 'string' && value.length > MAX_INDEXED_VALUE_LENGTH)
    throw invalidInput('invalidValue', `${path} is longer than ${MAX_INDEXED_VALUE_LENGTH} characters`, [
      { field: path, message: `at most ${MAX_INDEXED_VALUE_LENGTH} characters` },
    ]);
}

/**
 * An email address as the store keeps it (`primary_email`, `email_values`, `user_email_values`) and as an
 * `emails.value eq` filter or a lookup by email must compare it: lower-cased, in JavaScript.
 */
export const emailValueKey = (value: string): string => value.toLowerCase();

/** The indexed columns of a resource; a value too long for its index is refused (`invalidValue`). */
export function deriveUserColumns(resource: ScimUserResource): UserColumns {
  const emails = (resource.emails ?? []).filter((e) => typeof e.value === 'string' && e.value !== '');
  const primary = emails.find((e) => e.primary === true) ?? emails[0];
  checkIndexedLength('userName', resource.userName);
  checkIndexedLength('externalId', resource.externalId);
  for (const email of emails) checkIndexedLength('emails.value', email.value);
  checkIndexedLength('displayName', resource.displayName);
  checkIndexedLength('name.givenName', resource.name?.givenName);
  checkIndexedLength('name.familyName', resource.name?.familyName);
  return {
    externalId: resource.externalId ?? null,
    primaryEmail: primary?.value ? emailValueKey(primary.value) : null,
    emailValues: [...new Set(emails.map((e) => emailValueKey(e.value as string)))],
    displayName: resource.displayName ?? null,
    givenName: resource.name?.givenName ?? null,
    familyName: resource.name?.familyName ?? null,
    active: resource.active ?? true,
  };
}
