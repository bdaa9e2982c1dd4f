// A plan: what applying the file would create, change (field by field) and delete. Secrets appear only as
// "set" or "changed", never with a value.
import { isDeepStrictEqual } from 'node:util';
import type { SectionName } from './schema.js';

export interface FieldChange {
  /** Inside the resource, such as `provisioning.jit.scheme`. */
  path: string;
  before?: unknown;
  after?: unknown;
  /** For a secret: it is set for the first time, or changes. Its value is never part of a plan. */
  secret?: 'set' | 'changed';
}

/** What the admin API's IdP-deletion preview says (DELETE …?dryRun=true). */
export interface DeletionPreview {
  users: string;
  affectedUsers: number;
  threshold: number;
  forceRequired: boolean;
  enhancedFeature: boolean;
  counts: Record<string, number>;
}

export interface PlannedChange {
  action: 'create' | 'update' | 'delete';
  section: SectionName | 'settings';
  /** Its label, such as `identity provider`. */
  label: string;
  key: string;
  /** Where the resource is in the file (not for deletions). */
  filePath?: string;
  fields: FieldChange[];
  deletion?: DeletionPreview;
  /** What the admin API warned about (an application's sign-in flow, say). */
  warnings?: Array<{ code: string; message: string }>;
}

export interface Plan {
  file: { name: string; sha256: string };
  prune: boolean;
  changes: PlannedChange[];
  summary: { create: number; update: number; delete: number };
}

export function summarize(changes: PlannedChange[]): Plan['summary'] {
  return {
    create: changes.filter((c) => c.action === 'create').length,
    update: changes.filter((c) => c.action === 'update').length,
    delete: changes.filter((c) => c.action === 'delete').length,
  };
}

const isObject = (value: unknown): value is Record<string, unknown> => Boolean(value) && typeof value === 'object' && !Array.isArray(value);
const join = (prefix: string, key: string | number) => (typeof key === 'number' ? `${prefix}[${key}]` : prefix ? `${prefix}.${key}` : key);

/**
 * Field-by-field differences. Objects compare member by member; lists of objects of the same length item by item;
 * any other list as a whole (its order matters to the API, and a whole list reads better than index noise).
 */
export function diffValues(before: unknown, after: unknown, prefix = ''): FieldChange[] {
  if (isDeepStrictEqual(before, after)) return [];
  if (isObject(before) && isObject(after)) {
    const keys = [...Object.keys(after), ...Object.keys(before).filter((k) => !(k in after))];
    return keys.flatMap((key) => diffValues(before[key], after[key], join(prefix, key)));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length && after.every(isObject) && before.every(isObject)) {
    return after.flatMap((item, i) => diffValues(before[i], item, join(prefix, i)));
  }
  return [{ path: prefix, ...(before !== undefined ? { before } : {}), ...(after !== undefined ? { after } : {}) }];
}

/** The leaves of a new resource, for the plan of a creation. */
export function leaves(value: unknown, prefix = ''): FieldChange[] {
  if (prefix === '' && isObject(value) && Object.keys(value).length === 0) return [];
  if (isObject(value) && Object.keys(value).length > 0)
    return Object.entries(value).flatMap(([key, member]) => leaves(member, join(prefix, key)));
  if (Array.isArray(value) && value.length > 0 && value.every(isObject)) return value.flatMap((item, i) => leaves(item, join(prefix, i)));
  return [{ path: prefix, after: value }];
}
