// Stored rows as SCIM resources (RFC 7643 §3.1 meta, RFC 7644 §3.14 ETags), and the attributes /
// excludedAttributes projection of RFC 7644 §3.4.2.5 applied to the page being returned.
import type { MemberView, GroupRow, UserRow, ListedRow } from '../store/index.js';

export const etagOf = (version: number) => `W/"${version}"`;

/** Parses an If-Match / If-None-Match header: `*`, or the versions it lists (weak or strong). */
export function parseEtags(header: string | undefined): '*' | number[] | undefined {
  if (header === undefined) return undefined;
  if (header.trim() === '*') return '*';
  const versions: number[] = [];
  for (const part of header.split(',')) {
    const match = /^\s*(?:W\/)?"([^"]*)"\s*$/.exec(part);
    if (match && /^\d+$/.test(match[1]!)) versions.push(Number(match[1]));
    else versions.push(-1);
  }
  return versions;
}

export const etagMatches = (tags: '*' | number[], version: number) => tags === '*' || tags.includes(version);

/** A row as its representation needs it (a list reads exactly this; a single read maps its row to it). */
const stored = (row: UserRow | GroupRow): ListedRow => ({
  id: row.id,
  resource: row.resource as Record<string, unknown>,
  version: row.version,
  created: row.createdAt.toISOString(),
  lastModified: row.updatedAt.toISOString(),
});

const meta = (resourceType: 'User' | 'Group', row: ListedRow, baseUrl: string) => ({
  resourceType,
  created: row.created,
  lastModified: row.lastModified,
  location: `${baseUrl}/${resourceType}s/${row.id}`,
  version: etagOf(row.version),
});

export function userToScim(row: UserRow, baseUrl: string, groups?: Array<{ value: string; display: string }>): Record<string, unknown> {
  return userRepresentation(stored(row), baseUrl, groups);
}

/**
 * The User resource: the stored attributes after `schemas` and `id` (an `id` or `meta` stored in the resource keeps
 * its place but takes the row's value), then `groups`, then `meta`.
 */
export function userRepresentation(
  row: ListedRow,
  baseUrl: string,
  groups?: Array<{ value: string; display: string }>,
): Record<string, unknown> {
  const resource = row.resource;
  return {
    schemas: resource.schemas,
    id: row.id,
    ...resource,
    ...(groups && groups.length
      ? { groups: groups.map((g) => ({ value: g.value, $ref: `${baseUrl}/Groups/${g.value}`, display: g.display, type: 'direct' })) }
      : {}),
    meta: meta('User', row, baseUrl),
  };
}

export function groupToScim(row: GroupRow, baseUrl: string, members?: MemberView[]): Record<string, unknown> {
  return groupRepresentation(stored(row), baseUrl, members);
}

export function groupRepresentation(row: ListedRow, baseUrl: string, members?: MemberView[]): Record<string, unknown> {
  const resource = row.resource;
  return {
    schemas: resource.schemas,
    id: row.id,
    ...resource,
    ...(members
      ? {
          members: members.map((m) => ({
            value: m.value,
            $ref: `${baseUrl}/${m.type}s/${m.value}`,
            type: m.type,
            ...(m.display ? { display: m.display } : {}),
          })),
        }
      : {}),
    meta: meta('Group', row, baseUrl),
  };
}

/** Keys compared case-insensitively (attribute names are), returning the key as stored. */
const keyOf = (object: Record<string, unknown>, name: string) => Object.keys(object).find((k) => k.toLowerCase() === name.toLowerCase());

/** Applies attributes (keep only these, plus id and schemas) or excludedAttributes (drop these). */
export function project(resource: Record<string, unknown>, attributes?: string[][], excluded?: string[][]): Record<string, unknown> {
  if (attributes) {
    const out: Record<string, unknown> = { schemas: resource.schemas, id: resource.id };
    for (const path of attributes) copyPath(resource, out, path);
    return out;
  }
  if (excluded) {
    const out = structuredClone(resource);
    for (const path of excluded) {
      if (path.length === 1 && ['id', 'schemas'].includes(path[0]!)) continue;
      dropPath(out, path);
    }
    return out;
  }
  return resource;
}

function copyPath(from: Record<string, unknown>, to: Record<string, unknown>, path: string[]): void {
  const [head, ...rest] = path;
  const key = keyOf(from, head!);
  if (key === undefined) return;
  const value = from[key];
  if (rest.length === 0 || value === null || typeof value !== 'object') {
    to[key] = value;
    return;
  }
  if (Array.isArray(value)) {
    const existing = (Array.isArray(to[key]) ? to[key] : value.map(() => ({}))) as Array<Record<string, unknown>>;
    value.forEach((item, i) => item && typeof item === 'object' && copyPath(item as Record<string, unknown>, existing[i]!, rest));
    to[key] = existing;
    return;
  }
  const target = (to[key] && typeof to[key] === 'object' ? to[key] : {}) as Record<string, unknown>;
  copyPath(value as Record<string, unknown>, target, rest);
  to[key] = target;
}

function dropPath(object: Record<string, unknown>, path: string[]): void {
  const [head, ...rest] = path;
  const key = keyOf(object, head!);
  if (key === undefined) return;
  if (rest.length === 0) {
    delete object[key];
    return;
  }
  const value = object[key];
  if (Array.isArray(value)) value.forEach((item) => item && typeof item === 'object' && dropPath(item as Record<string, unknown>, rest));
  else if (value && typeof value === 'object') dropPath(value as Record<string, unknown>, rest);
}
