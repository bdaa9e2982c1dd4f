// POST /Bulk (RFC 7644 §3.7): operations run one by one, each committed on its own, through the same
// operations as the single-resource endpoints. bulkId references ("bulkId:x" in paths and data) resolve
// to the ids created earlier in the request, in whatever order the client listed them; failOnErrors stops
// processing after that many errors. maxOperations is enforced here (413), maxPayloadSize by the router.
import { AppError } from '../domain/index.js';
import { toScimError } from '../http/index.js';
import { BULK_MAX_OPERATIONS } from './discovery.js';
import { createGroup, deleteGroup, patchGroup, replaceGroup } from './groups.js';
import type { ScimCall, ScimResult } from './operation.js';
import { createUser, deleteUser, patchUser, replaceUser } from './users.js';

export const BULK_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const BULK_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

interface BulkOperation {
  index: number;
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  bulkId?: string | undefined;
  version?: string | undefined;
  data?: unknown;
}

const REFERENCE = /^bulkId:(.+)$/;

function parseBulk(body: unknown): { operations: BulkOperation[]; failOnErrors: number | undefined } {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new AppError('invalid_input', 'invalidSyntax', 'The bulk request must be a JSON object');
  const b = body as Record<string, unknown>;
  if (!Array.isArray(b.schemas) || !b.schemas.includes(BULK_REQUEST_SCHEMA))
    throw new AppError('invalid_input', 'invalidSyntax', `The bulk request must name the schema ${BULK_REQUEST_SCHEMA}`);
  if (!Array.isArray(b.Operations)) throw new AppError('invalid_input', 'invalidSyntax', 'Operations must be an array');
  if (b.Operations.length > BULK_MAX_OPERATIONS) {
    throw new AppError(
      'payload_too_large',
      'tooMany',
      `A bulk request may hold at most ${BULK_MAX_OPERATIONS} operations (this one has ${b.Operations.length})`,
    );
  }
  let failOnErrors: number | undefined;
  if (b.failOnErrors !== undefined) {
    const n = typeof b.failOnErrors === 'string' ? Number(b.failOnErrors) : b.failOnErrors;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
      throw new AppError('invalid_input', 'invalidValue', 'failOnErrors must be a positive integer');
    failOnErrors = n;
  }
  const seen = new Set<string>();
  const operations = b.Operations.map((raw, index): BulkOperation => {
    if (!raw || typeof raw !== 'object') throw new AppError('invalid_input', 'invalidSyntax', `Operation ${index + 1} is not an object`);
    const o = raw as Record<string, unknown>;
    const method = typeof o.method === 'string' ? o.method.toUpperCase() : '';
    if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(method))
      throw new AppError('invalid_input', 'invalidValue', `Operation ${index + 1} has no valid method`);
    if (typeof o.path !== 'string' || !o.path.startsWith('/'))
      throw new AppError('invalid_input', 'invalidValue', `Operation ${index + 1} has no valid path`);
    if (o.bulkId !== undefined && (typeof o.bulkId !== 'string' || o.bulkId === ''))
      throw new AppError('invalid_input', 'invalidValue', `Operation ${index + 1} has an invalid bulkId`);
    if (method === 'POST' && !o.bulkId) throw new AppError('invalid_input', 'invalidValue', `Operation ${index + 1} (POST) needs a bulkId`);
    if (typeof o.bulkId === 'string') {
      if (seen.has(o.bulkId)) throw new AppError('invalid_input', 'invalidValue', `bulkId '${o.bulkId}' is used twice`);
      seen.add(o.bulkId);
    }
    if (o.version !== undefined && typeof o.version !== 'string')
      throw new AppError('invalid_input', 'invalidValue', `Operation ${index + 1} has an invalid version`);
    if (method !== 'DELETE' && (o.data === undefined || o.data === null))
      throw new AppError('invalid_input', 'invalidValue', `Operation ${index + 1} (${method}) needs data`);
    return {
      index,
      method: method as BulkOperation['method'],
      path: o.path,
      bulkId: o.bulkId as string | undefined,
      version: o.version as string | undefined,
      data: o.data,
    };
  });
  return { operations, failOnErrors };
}

/** Every "bulkId:x" string inside a value. */
function references(value: unknown, found = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    const match = REFERENCE.exec(value);
    if (match) found.add(match[1]!);
  } else if (Array.isArray(value)) value.forEach((v) => references(v, found));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => references(v, found));
  return found;
}

/** `/Users/bulkId:x` refers to the resource operation x creates. */
const pathReference = (path: string) => /\/(bulkId:[^/]+)$/.exec(path)?.[1];

function substitute(value: unknown, ids: Map<string, string>): unknown {
  if (typeof value === 'string') {
    const match = REFERENCE.exec(value);
    return match && ids.has(match[1]!) ? ids.get(match[1]!) : value;
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, ids));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, ids)]));
  return value;
}

async function dispatch(call: ScimCall, op: BulkOperation, path: string, data: unknown): Promise<ScimResult> {
  const match = /^\/(Users|Groups)(?:\/([^/]+))?$/i.exec(path);
  if (!match) throw new AppError('invalid_input', 'invalidPath', `'${path}' is not a Users or Groups path`);
  const users = match[1]!.toLowerCase() === 'users';
  const id = match[2];
  const sub: ScimCall = { ...call, ifMatch: op.version, attributes: undefined, excludedAttributes: undefined };
  if (op.method === 'POST') {
    if (id) throw new AppError('invalid_input', 'invalidPath', 'POST goes to /Users or /Groups');
    return users ? createUser(sub, data) : createGroup(sub, data);
  }
  if (!id) throw new AppError('invalid_input', 'invalidPath', `${op.method} needs a resource id in its path`);
  if (op.method === 'PUT') return users ? replaceUser(sub, id, data) : replaceGroup(sub, id, data);
  if (op.method === 'PATCH') return users ? patchUser(sub, id, data) : patchGroup(sub, id, data);
  return users ? deleteUser(sub, id) : deleteGroup(sub, id);
}

export async function runBulk(call: ScimCall, body: unknown): Promise<ScimResult> {
  const { operations, failOnErrors } = parseBulk(body);
  const ids = new Map<string, string>();
  const declared = new Set(operations.flatMap((o) => (o.bulkId && o.method === 'POST' ? [o.bulkId] : [])));
  const results: Array<Record<string, unknown> & { index: number }> = [];
  let errors = 0;
  let pending = operations;
  // Passes: an operation waits while it refers to a bulkId another POST has yet to create.
  while (pending.length && (failOnErrors === undefined || errors < failOnErrors)) {
    const waiting: BulkOperation[] = [];
    let progressed = false;
    for (const op of pending) {
      if (failOnErrors !== undefined && errors >= failOnErrors) break;
      const refs = [...references(pathReference(op.path)), ...references(op.data)];
      const unresolved = refs.filter((r) => !ids.has(r));
      if (unresolved.some((r) => declared.has(r) && r !== op.bulkId)) {
        waiting.push(op);
        continue;
      }
      progressed = true;
      const base = { index: op.index, method: op.method, ...(op.bulkId ? { bulkId: op.bulkId } : {}) };
      try {
        if (unresolved.length)
          throw new AppError('conflict', 'invalidValue', `bulkId '${unresolved[0]}' does not refer to an operation of this request`);
        const path = op.path.replace(/\/bulkId:([^/]+)$/, (whole, ref: string) => (ids.has(ref) ? `/${ids.get(ref)}` : whole));
        const result = await dispatch(call, op, path, substitute(op.data, ids));
        const location = result.headers?.location ?? result.headers?.['content-location'];
        if (op.method === 'POST' && op.bulkId && result.body && typeof result.body === 'object')
          ids.set(op.bulkId, String((result.body as { id: string }).id));
        results.push({
          ...base,
          ...(location ? { location } : op.method === 'DELETE' ? { location: `${call.baseUrl}${op.path}` } : {}),
          ...(result.headers?.etag ? { version: result.headers.etag } : {}),
          status: String(result.status),
        });
      } catch (error) {
        errors++;
        if (!(error instanceof AppError)) call.ctx.logger.error({ err: error }, 'bulk operation failed');
        const response = toScimError(error);
        results.push({ ...base, status: response.status, response });
      }
    }
    if (!progressed) {
      // Circular or dangling references among the rest: each is refused.
      for (const op of waiting) {
        errors++;
        const response = {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
          status: '409',
          detail: 'Circular bulkId references could not be resolved',
        };
        results.push({ index: op.index, method: op.method, ...(op.bulkId ? { bulkId: op.bulkId } : {}), status: '409', response });
      }
      break;
    }
    pending = waiting;
  }
  results.sort((a, b) => a.index - b.index);
  return { status: 200, body: { schemas: [BULK_RESPONSE_SCHEMA], Operations: results.map(({ index: _index, ...rest }) => rest) } };
}
