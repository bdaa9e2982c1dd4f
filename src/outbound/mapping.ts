// Builds the resource sent downstream from the local one: all of it (minus what is local-only), or only
// the attributes a connector's attributeMapping names. externalId carries the local id, which is how a
// replayed create finds the user it already made.
import type { AttributeMapping } from './connector-config.js';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
/** Never sent: server-assigned, local-only or secret. */
const LOCAL_ONLY = new Set(['id', 'meta', 'password', 'groups', 'externalId', 'schemas']);

function readPath(resource: Record<string, unknown>, path: string): unknown {
  // An extension attribute path starts with its schema URN: urn:...:User:employeeNumber
  const urn = /^(urn:.+):([^:]+)$/.exec(path);
  if (urn && urn[1]! in resource) return readPath(resource[urn[1]!] as Record<string, unknown>, urn[2]!);
  if (path in resource) return resource[path];
  let current: unknown = resource;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function writePath(target: Record<string, unknown>, path: string, value: unknown): void {
  const urn = /^(urn:.+):([^:]+)$/.exec(path);
  if (urn) {
    const extension = (target[urn[1]!] ??= {}) as Record<string, unknown>;
    writePath(extension, urn[2]!, value);
    const schemas = target.schemas as string[];
    if (!schemas.includes(urn[1]!)) schemas.push(urn[1]!);
    return;
  }
  const parts = path.split('.');
  let current = target;
  for (const part of parts.slice(0, -1)) current = (current[part] ??= {}) as Record<string, unknown>;
  current[parts[parts.length - 1]!] = value;
}

export function toRemoteUser(
  localId: string,
  payload: Record<string, unknown>,
  mapping: AttributeMapping[] | null,
): Record<string, unknown> {
  const out: Record<string, unknown> = { schemas: [USER_SCHEMA] };
  if (mapping && mapping.length > 0) {
    out.userName = payload.userName;
    for (const { local, remote } of mapping) {
      const value = readPath(payload, local);
      if (value !== undefined) writePath(out, remote, value);
    }
  } else {
    for (const [key, value] of Object.entries(payload)) {
      if (LOCAL_ONLY.has(key) || value === undefined) continue;
      out[key] = value;
      if (key.startsWith('urn:') && !(out.schemas as string[]).includes(key)) (out.schemas as string[]).push(key);
    }
  }
  out.externalId = localId;
  return out;
}

/** A group downstream: its name and those of its members that already have a remote id there. */
export function toRemoteGroup(
  localId: string,
  displayName: unknown,
  members: string[],
  remoteIds: Map<string, string>,
): Record<string, unknown> {
  const remoteMembers = members
    .map((id) => remoteIds.get(id))
    .filter((id): id is string => Boolean(id))
    .map((value) => ({ value }));
  return { schemas: [GROUP_SCHEMA], displayName, externalId: localId, members: remoteMembers };
}

/**
 * Local member ids a group event names: `members: [{ value }]` or `members: [id]` (the provisioning core),
 * `added` / `removed` (the SCIM server's member events), or `memberIds`.
 */
export function memberIds(payload: Record<string, unknown> | null): string[] {
  if (!payload) return [];
  const list = (payload.added ?? payload.removed ?? payload.members ?? payload.memberIds ?? []) as unknown[];
  if (!Array.isArray(list)) return [];
  return list.map((m) => (typeof m === 'string' ? m : String((m as { value?: unknown }).value ?? ''))).filter(Boolean);
}
