// Attribute sync of a returning (or associated) user, by the IdP's attributeSyncMethod:
//   OVERRIDE_ALL   — the user's attributes become the federated ones; locally added ones are dropped.
//   PRESERVE_LOCAL — federated values update; attributes this IdP did not write (per provenance) stay;
//                    attributes this IdP wrote before but no longer sends are removed.
//   NONE           — nothing changes after the first provisioning.
// Provenance (`users.provenance`) says, per attribute path, who wrote it last; it is what tells
// "locally added" (written by SCIM, an admin, the person) from "federated" (written by this IdP).
import { isDeepStrictEqual } from 'node:util';
import {
  type AttributeSyncMethod,
  SCIM_USER_SCHEMA,
  type Provenance,
  type ProvenanceEntry,
  type ScimUserResource,
} from '../domain/index.js';
import type { MappedClaims } from './claim-mapping.js';
import { isEmailsKey } from './email-verification.js';
import { getAtPath, parseScimPath, removeAtPath, setAtPath, type ScimPath } from './scim-path.js';
import type { AttributeChange, ProvenanceChange } from './types.js';

/** Attributes no sync method touches: identity and account state, not profile claims. */
const KEPT = ['userName', 'active'] as const;

export interface SyncSource {
  idpId: string;
  at: string;
}

export interface SyncResult {
  resource: ScimUserResource;
  provenance: Provenance;
}

/** An IdP's entry for `key`; on an email path it carries whether this login's IdP vouched for the address. */
function idpEntry(source: SyncSource, key: string, mapped: MappedClaims): ProvenanceEntry {
  const entry: ProvenanceEntry = { source: 'idp', sourceId: source.idpId, at: source.at };
  if (isEmailsKey(key)) entry.emailVerified = mapped.emailVerified;
  return entry;
}
const writtenByThisIdp = (entry: ProvenanceEntry | undefined, idpId: string) => entry?.source === 'idp' && entry.sourceId === idpId;

function tryParse(key: string): ScimPath | null {
  try {
    return parseScimPath(key);
  } catch {
    return null;
  }
}

/** The first provisioning: every mapped attribute (and userName) comes from the IdP. */
export function provenanceOfCreate(mapped: MappedClaims, source: SyncSource): Provenance {
  const provenance: Provenance = { userName: idpEntry(source, 'userName', mapped) };
  for (const key of mapped.values.keys()) provenance[key] = idpEntry(source, key, mapped);
  return provenance;
}

export function syncAttributes(method: AttributeSyncMethod, current: SyncResult, mapped: MappedClaims, source: SyncSource): SyncResult {
  if (method === 'NONE') return { resource: structuredClone(current.resource), provenance: { ...current.provenance } };
  let resource: ScimUserResource;
  let provenance: Provenance;
  if (method === 'OVERRIDE_ALL') {
    resource = { schemas: [SCIM_USER_SCHEMA], userName: current.resource.userName };
    if (current.resource.active !== undefined) resource.active = current.resource.active;
    provenance = {};
    for (const key of KEPT) if (current.provenance[key]) provenance[key] = current.provenance[key];
  } else {
    resource = structuredClone(current.resource);
    provenance = { ...current.provenance };
    for (const [key, entry] of Object.entries(current.provenance)) {
      if (!writtenByThisIdp(entry, source.idpId) || mapped.values.has(key) || (KEPT as readonly string[]).includes(key)) continue;
      // This IdP wrote it and no longer sends it: the IdP removed it.
      const path = tryParse(key);
      if (path) removeAtPath(resource, path);
      delete provenance[key];
    }
  }
  for (const [key, { path, value }] of mapped.values) {
    const previous = getAtPath(current.resource, path);
    setAtPath(resource, path, structuredClone(value));
    const unchanged = isDeepStrictEqual(previous, getAtPath(resource, path));
    // Keep the old entry when this IdP already wrote this very value (and vouches for it as before): a login
    // that changes nothing writes nothing.
    const entry = idpEntry(source, key, mapped);
    const old = current.provenance[key];
    provenance[key] = unchanged && writtenByThisIdp(old, source.idpId) && old!.emailVerified === entry.emailVerified ? old! : entry;
  }
  return { resource, provenance };
}

/** Attribute-level differences (top-level attributes; extension attributes one level down). */
export function diffResources(before: ScimUserResource | null, after: ScimUserResource | null): AttributeChange[] {
  const flat = (r: ScimUserResource | null) => {
    const out = new Map<string, unknown>();
    if (!r) return out;
    for (const [key, value] of Object.entries(r)) {
      if (key === 'schemas') continue;
      if (key.toLowerCase().startsWith('urn:') && value && typeof value === 'object' && !Array.isArray(value)) {
        for (const [sub, v] of Object.entries(value as Record<string, unknown>)) out.set(`${key}:${sub}`, v);
      } else out.set(key, value);
    }
    return out;
  };
  const a = flat(before);
  const b = flat(after);
  const changes: AttributeChange[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(key);
    const y = b.get(key);
    if (isDeepStrictEqual(x, y)) continue;
    changes.push({
      attribute: key,
      op: x === undefined ? 'add' : y === undefined ? 'remove' : 'replace',
      before: x ?? null,
      after: y ?? null,
    });
  }
  return changes;
}

export function diffProvenance(before: Provenance, after: Provenance): ProvenanceChange[] {
  const changes: ProvenanceChange[] = [];
  for (const path of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (isDeepStrictEqual(before[path], after[path])) continue;
    changes.push({ path, before: before[path] ?? null, after: after[path] ?? null });
  }
  return changes;
}
