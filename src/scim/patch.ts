// PATCH requests (RFC 7644 §3.5.2): validation of the PatchOp message with the quirks of real clients
// accepted (Entra ID's "Replace" and "False", empty Operations), and the in-memory application of a
// User patch through scimmy. The caller runs read → apply → write in one transaction with a version check.
import SCIMMY from 'scimmy';
import { AppError } from '../domain/index.js';
import { normalizeBooleans, toScimValidationError, type ResourceKind, schemaClass } from './schemas.js';

export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const MAX_OPERATIONS = 1000;

export interface PatchOperation {
  op: 'add' | 'remove' | 'replace';
  path?: string | undefined;
  value?: unknown;
}

/** Validates a PatchOp body; returns its operations (possibly none: some clients send an empty list). */
export function parsePatchRequest(body: unknown): PatchOperation[] {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new AppError('invalid_input', 'invalidSyntax', 'The PATCH body must be a JSON object');
  const b = body as Record<string, unknown>;
  if (!Array.isArray(b.schemas) || !b.schemas.some((s) => typeof s === 'string' && s.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase())) {
    throw new AppError('invalid_input', 'invalidSyntax', `The PATCH body must name the schema ${PATCH_OP_SCHEMA}`);
  }
  const operations = b.Operations ?? b.operations ?? [];
  if (!Array.isArray(operations)) throw new AppError('invalid_input', 'invalidSyntax', 'Operations must be an array');
  if (operations.length > MAX_OPERATIONS) throw new AppError('invalid_input', 'tooMany', `At most ${MAX_OPERATIONS} operations per PATCH`);
  return operations.map((raw, i) => {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw))
      throw new AppError('invalid_input', 'invalidSyntax', `Operation ${i + 1} is not an object`);
    const o = raw as Record<string, unknown>;
    const op = typeof o.op === 'string' ? o.op.toLowerCase() : undefined; // Entra ID: "Replace", "Add"
    if (op !== 'add' && op !== 'remove' && op !== 'replace')
      throw new AppError('invalid_input', 'invalidSyntax', `Operation ${i + 1} has no valid op (add, remove, replace)`);
    if (o.path !== undefined && (typeof o.path !== 'string' || o.path.length > 1024))
      throw new AppError('invalid_input', 'invalidPath', `Operation ${i + 1} has an invalid path`);
    const path = typeof o.path === 'string' && o.path.trim() !== '' ? o.path.trim() : undefined;
    if (op === 'remove' && !path) throw new AppError('invalid_input', 'noTarget', `Operation ${i + 1} (remove) needs a path`);
    if (op !== 'remove' && o.value === undefined)
      throw new AppError('invalid_input', 'invalidValue', `Operation ${i + 1} (${op}) needs a value`);
    // Entra ID sends booleans as "True"/"False"; the key decides whether the string means a boolean.
    const lastKey = path ? (path.split(/[.:]/).pop() ?? '').replace(/\[.*$/, '') : '';
    return { op, path, value: normalizeBooleans(o.value, lastKey) };
  });
}

/**
 * A replace without a path replaces every value of a multi-valued attribute in its value (RFC 7644 §3.5.2.3): scimmy
 * appends them instead (so a jitbridge downstream doubled every email an outbound push sent again). Such attributes
 * get an operation of their own with the attribute as its path, which scimmy replaces whole; complex ones stay in
 * the pathless operation, whose sub-attributes merge as the RFC says.
 */
function withMultiValuedPaths(operations: PatchOperation[]): PatchOperation[] {
  return operations.flatMap((o) => {
    if (o.op !== 'replace' || o.path || !o.value || typeof o.value !== 'object' || Array.isArray(o.value)) return [o];
    const rest: Record<string, unknown> = {};
    const own: PatchOperation[] = [];
    for (const [key, value] of Object.entries(o.value as Record<string, unknown>)) {
      if (Array.isArray(value) && key !== 'schemas') own.push({ op: 'replace', path: key, value });
      else rest[key] = value;
    }
    return [...(own.length === 0 || Object.keys(rest).length > 0 ? [{ ...o, value: rest }] : []), ...own];
  });
}

/** Applies operations to a stored resource through scimmy; returns the patched resource (unvalidated). */
export async function applyPatch(
  kind: ResourceKind,
  id: string,
  current: Record<string, unknown>,
  operations: PatchOperation[],
): Promise<Record<string, unknown>> {
  operations = withMultiValuedPaths(operations);
  if (operations.length === 0) return current;
  try {
    const Schema = schemaClass(kind);
    // scimmy's outbound coercion wants the id and meta a stored resource leaves out.
    const instance = new Schema({ ...current, id, meta: { resourceType: kind } }, 'out');
    const message = new SCIMMY.Messages.PatchOp({
      schemas: [PATCH_OP_SCHEMA],
      Operations: operations.map((o) => ({
        op: o.op,
        ...(o.path ? { path: o.path } : {}),
        ...(o.value !== undefined ? { value: o.value } : {}),
      })),
    });
    const patched = await message.apply(instance);
    if (!patched) return current;
    const out = JSON.parse(JSON.stringify(patched)) as Record<string, unknown>;
    delete out.meta;
    delete out.id;
    return out;
  } catch (error) {
    throw toScimValidationError(error);
  }
}
