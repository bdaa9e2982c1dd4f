// Which top-level attributes of a SCIM resource a write changes, and the provenance that records it.
// Extension attributes are named with their schema URN (`urn:…:enterprise:2.0:User:employeeNumber`),
// as SCIM paths are (RFC 7644 §3.10). Shared by the SCIM server and the provisioning core.
import type { Provenance, ProvenanceEntry } from './scim-user.js';

const isUrn = (key: string) => key.toLowerCase().startsWith('urn:');

/** Top-level attribute paths whose values differ between two resources (`schemas` is not an attribute). */
export function changedAttributePaths(before: Record<string, unknown> | null | undefined, after: Record<string, unknown>): string[] {
  const changed: string[] = [];
  const compare = (a: Record<string, unknown>, b: Record<string, unknown>, prefix: string) => {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (key === 'schemas' || key === 'meta' || key === 'id') continue;
      if (!prefix && isUrn(key)) {
        const left = (a[key] ?? {}) as Record<string, unknown>;
        const right = (b[key] ?? {}) as Record<string, unknown>;
        compare(left, right, `${key}:`);
        continue;
      }
      if (!sameValue(a[key], b[key])) changed.push(`${prefix}${key}`);
    }
  };
  compare(before ?? {}, after, '');
  return changed.sort();
}

/** Deep equality of JSON values, ignoring key order. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  if (typeof a === 'object' && typeof b === 'object' && !Array.isArray(b)) {
    const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
    const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

/** The provenance after a write: each changed path now belongs to `entry`'s source. */
export function recordProvenance(current: Provenance | null | undefined, paths: string[], entry: ProvenanceEntry): Provenance {
  const next: Provenance = { ...(current ?? {}) };
  for (const path of paths) next[path] = entry;
  return next;
}
