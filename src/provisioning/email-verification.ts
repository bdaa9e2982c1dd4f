// Which of a stored user's email addresses an IdP vouched for (DESIGN "Provisioning semantics" 5 and issue #4):
// an address is verified when the IdP that wrote it said so (`email_verified`, or the IdP is `trustEmail`) and
// nobody has written the user's emails since — a SCIM client, an admin or the person may have put in an address
// the IdP never saw. The record of it is the provenance entry of the email path (`emailVerified`), so SCIM
// clients neither see nor write it.
import type { Provenance, ProvenanceEntry, ScimUserResource } from '../domain/index.js';
import { getAtPath, parseScimPath } from './scim-path.js';

/** Provenance keys that name the core `emails` attribute (`emails`, `emails.value`, `emails[type eq "work"].value`). */
export function isEmailsKey(key: string): boolean {
  const lower = key.toLowerCase();
  return lower === 'emails' || lower.startsWith('emails[') || lower.startsWith('emails.');
}

const vouched = (entry: ProvenanceEntry) => entry.source === 'idp' && entry.emailVerified === true;

function addresses(value: unknown, into: Set<string>): void {
  if (typeof value === 'string') into.add(value.toLowerCase());
  else if (Array.isArray(value)) for (const v of value) addresses(v, into);
  else if (value && typeof value === 'object') addresses((value as { value?: unknown }).value, into);
}

/** The (lower-cased) addresses of `resource` an IdP vouched for, per the rule above. */
export function verifiedEmails(resource: ScimUserResource, provenance: Provenance | null | undefined): Set<string> {
  const entries = Object.entries(provenance ?? {}).filter(([key]) => isEmailsKey(key));
  // The newest write to emails by anything but a vouching IdP: nothing written before it counts any more.
  const lastOther = entries.reduce((newest, [, e]) => (!vouched(e) && e.at > newest ? e.at : newest), '');
  const verified = new Set<string>();
  for (const [key, entry] of entries) {
    if (!vouched(entry) || entry.at <= lastOther) continue;
    try {
      addresses(getAtPath(resource, parseScimPath(key)), verified);
    } catch {
      // A provenance key that is no longer a usable path vouches for nothing.
    }
  }
  return verified;
}
