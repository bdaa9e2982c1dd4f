// The list/search request (RFC 7644 §3.4.2, §3.4.3) and cursor pagination (draft-ietf-scim-cursor-pagination):
// query string or POST /.search body → a validated search for the store. Numbers arrive as strings in query
// strings and are converted here (scimmy's Number.isInteger checks would silently ignore them).
import { createHash } from 'node:crypto';
import { AppError } from '../domain/index.js';
import type { ScimSearch } from '../store/index.js';
import { resolveAttributeList, resolveFilter, resolveSortBy } from './attributes.js';
import { parseFilter } from './filter-parser.js';
import type { ResourceKind } from './schemas.js';

export const SEARCH_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export interface ListRequest {
  filter?: string | undefined;
  sortBy?: string | undefined;
  sortOrder?: string | undefined;
  startIndex?: unknown;
  count?: unknown;
  attributes?: string | undefined;
  excludedAttributes?: string | undefined;
  cursor?: string | undefined;
}

export interface ListQuery {
  search: ScimSearch;
  attributes?: string[][] | undefined;
  excluded?: string[][] | undefined;
  /** Cursor mode: the fingerprint a next cursor must carry. */
  cursorFingerprint?: string | undefined;
}

const invalidValue = (message: string) => new AppError('invalid_input', 'invalidValue', message);

function integer(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d{1,15}\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n)) throw invalidValue(`${name} must be an integer`);
  return n;
}

interface CursorState {
  v: string | null;
  id: string;
  f: string;
}

export function encodeCursor(state: CursorState): string {
  return Buffer.from(JSON.stringify(state), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, fingerprint: string): CursorState {
  let state: CursorState;
  try {
    state = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as CursorState;
  } catch {
    throw new AppError('invalid_input', 'invalidCursor', 'The cursor is not one this server issued');
  }
  if (!state || typeof state.id !== 'string' || !/^[0-9a-f-]{36}$/i.test(state.id) || (state.v !== null && typeof state.v !== 'string')) {
    throw new AppError('invalid_input', 'invalidCursor', 'The cursor is not one this server issued');
  }
  if (state.f !== fingerprint)
    throw new AppError('invalid_input', 'invalidCursor', 'The cursor belongs to a different filter or sort order');
  return state;
}

/** Who reads: a read's pages are told apart from another client's (and another scope's) reads of the same list. */
export interface Reader {
  id: string;
  userStoreIds: string[] | null;
}

/**
 * The key of an index-paged read (RFC 7644 §3.4.2.4 has no read id): the client, the resource type, and the
 * resolved filter and sort, so that spelling (`userName EQ "a"` or `username eq "a"`) does not matter, and
 * attributes/excludedAttributes and count do not either. Pages of one read share it; so would two reads of the
 * same list by the same client at the same time (docs/scim.md says what that means).
 */
function readKeyOf(kind: ResourceKind, reader: Reader, search: ScimSearch): string {
  return createHash('sha256')
    .update(JSON.stringify([kind, reader.id, reader.userStoreIds, search.filter ?? null, search.sortBy?.path ?? null, search.descending]))
    .digest('base64url')
    .slice(0, 22);
}

export function parseListRequest(kind: ResourceKind, request: ListRequest, reader?: Reader): ListQuery {
  const filter = request.filter !== undefined && request.filter !== '' ? resolveFilter(kind, parseFilter(request.filter)) : undefined;
  const sortBy = request.sortBy ? resolveSortBy(kind, request.sortBy) : undefined;
  const order = request.sortOrder?.toLowerCase();
  if (order !== undefined && order !== 'ascending' && order !== 'descending')
    throw invalidValue("sortOrder must be 'ascending' or 'descending'");
  const startIndex = Math.max(1, integer(request.startIndex, 'startIndex') ?? 1);
  const count = Math.min(MAX_PAGE_SIZE, Math.max(0, integer(request.count, 'count') ?? DEFAULT_PAGE_SIZE));
  const attributes = lenientList(kind, request.attributes);
  const excluded = attributes ? undefined : lenientList(kind, request.excludedAttributes);
  const search: ScimSearch = { filter, sortBy, descending: order === 'descending', startIndex, count };
  if (request.cursor === undefined)
    return { search: reader ? { ...search, readKey: readKeyOf(kind, reader, search) } : search, attributes, excluded };
  if (request.startIndex !== undefined && request.startIndex !== '') throw invalidValue('Use either cursor or startIndex, not both');
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([request.filter ?? '', request.sortBy ?? '', order ?? '']))
    .digest('base64url')
    .slice(0, 12);
  const after = request.cursor === '' ? null : decodeCursor(request.cursor, fingerprint);
  return {
    // totalResults is counted on the first cursor page only: counting every page would make a deep cursor
    // page cost what counting the whole store costs, which is what cursor paging exists to avoid.
    search: { ...search, startIndex: 1, cursor: { after: after ? { v: after.v, id: after.id } : null }, skipTotal: after !== null },
    attributes,
    excluded,
    cursorFingerprint: fingerprint,
  };
}

/** attributes / excludedAttributes naming unknown attributes are ignored, as RFC 7644 §3.4.2.5 allows. */
function lenientList(kind: ResourceKind, list: string | undefined): string[][] | undefined {
  if (list === undefined || list.trim() === '') return undefined;
  const paths: string[][] = [];
  for (const item of list.split(',')) {
    try {
      paths.push(...(resolveAttributeList(kind, item) ?? []));
    } catch {
      // unknown attribute: nothing to return or exclude
    }
  }
  return paths;
}

/** The body of POST /.search (RFC 7644 §3.4.3): attribute lists are arrays there. */
export function listRequestFromSearchBody(body: unknown): ListRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new AppError('invalid_input', 'invalidSyntax', 'The search request must be a JSON object');
  const b = body as Record<string, unknown>;
  if (!Array.isArray(b.schemas) || !b.schemas.includes(SEARCH_REQUEST_SCHEMA))
    throw invalidValue(`The search request must name the schema ${SEARCH_REQUEST_SCHEMA}`);
  const str = (name: string) => {
    const v = b[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw invalidValue(`${name} must be a string`);
    return v;
  };
  const list = (name: string) => {
    const v = b[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw invalidValue(`${name} must be an array of attribute names`);
    return v.join(',');
  };
  return {
    filter: str('filter'),
    sortBy: str('sortBy'),
    sortOrder: str('sortOrder'),
    startIndex: b.startIndex,
    count: b.count,
    attributes: list('attributes'),
    excludedAttributes: list('excludedAttributes'),
    cursor: str('cursor'),
  };
}
