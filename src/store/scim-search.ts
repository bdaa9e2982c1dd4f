// Runs SCIM searches over users or groups (RFC 7644 §3.4.2): a compiled filter, sorting, index paging
// (startIndex/count with totalResults) and keyset paging for cursors (draft-ietf-scim-cursor-pagination).
// Only one page of rows is ever read.
import { asDate, textRows, type Executor } from './database.js';
import { compileScimFilter, isIndexedEquality, sortExpression, type ResourceTable, type ScimAttr, type ScimFilter } from './scim-query.js';
import { sql, toQuery, type SqlText as SQL } from './sql-text.js';

export interface ScimSearch {
  filter?: ScimFilter | undefined;
  sortBy?: ScimAttr | undefined;
  descending?: boolean;
  /** 1-based index paging (RFC 7644 §3.4.2.4). */
  startIndex: number;
  count: number;
  /** Keyset paging: null = first page; otherwise after this (sort value, id). */
  cursor?: { after: { v: string | null; id: string } | null } | undefined;
  /** Restrict to these user stores (a SCIM client limited to some stores); null = all. */
  userStoreIds?: string[] | null | undefined;
  /** Skip counting (the caller does not need totalResults). */
  skipTotal?: boolean;
}

/** A row of a list, as its representation needs it: the stored resource, id, version and times (ISO 8601). */
export interface ListedRow {
  id: string;
  resource: Record<string, unknown>;
  version: number;
  created: string;
  lastModified: string;
}

export interface ScimPage {
  rows: ListedRow[];
  totalResults: number;
  /** Keyset of the last row, when cursor paging and more rows may follow. */
  next?: { v: string | null; id: string } | undefined;
}

type RawRow = Record<string, unknown> & { __k?: string | null; __total?: number };

/** Runs a search over users or groups: one page of rows, and the total (counted with the same filter). */
export async function searchScim(executor: Executor, table: ResourceTable, search: ScimSearch): Promise<ScimPage> {
  const alias = 'r';
  const conditions: SQL[] = [];
  if (search.filter) conditions.push(compileScimFilter(table, search.filter, alias));
  if (search.userStoreIds) {
    if (search.userStoreIds.length === 0) conditions.push(sql`false`);
    else
      conditions.push(
        sql`${sql.raw(`${alias}.user_store_id`)} in (${sql.join(
          search.userStoreIds.map((id) => sql`${id}::uuid`),
          sql`, `,
        )})`,
      );
  }
  const where = conditions.length ? sql`where ${sql.join(conditions, sql` and `)}` : sql``;
  const from = sql.raw(`${table} ${alias}`);
  const direction = sql.raw(search.descending ? 'desc' : 'asc');
  const id = sql.raw(`${alias}.id`);
  const sortKey = search.sortBy ? sortExpression(table, search.sortBy, alias) : undefined;

  // A filtered page is evaluated behind an optimisation fence (OFFSET 0): otherwise the planner, guessing a
  // filter's selectivity (a LIKE prefix from the histogram, a trigram match at a guess), may walk the id index
  // under ORDER BY … LIMIT and read most of the table to find a handful of rows. The fence costs a sort of the
  // matches, which for a filter matching most of the store is the price of its count(*) anyway.
  const fenced = search.filter !== undefined;
  const source = (conds: SQL[]) => {
    const w = conds.length ? sql`where ${sql.join(conds, sql` and `)}` : sql``;
    return fenced
      ? { rowsFrom: sql`(select * from ${from} ${w} offset 0) ${sql.raw(alias)}`, rowsWhere: sql`` }
      : { rowsFrom: from, rowsWhere: w };
  };
  const countQuery = sql`select count(*)::int as n from ${from} ${where}`;
  const needRows = search.count > 0;
  // A filtered page carries its total in the same statement (an uncorrelated scalar subquery, run once): one
  // round trip and one snapshot instead of two. An unfiltered page keeps its count apart, run alongside: that
  // count walks the whole store, and the page should not wait behind it.
  const merged = fenced && needRows && !search.skipTotal;
  const total = merged ? sql`, (${countQuery}) as __total` : sql``;
  let pageQuery: SQL;
  if (search.cursor) {
    // Keyset paging: (coalesce(key::text, ''), id) compared as a row value, so deep pages cost what the first does.
    const key = sortKey ? sql`coalesce((${sortKey})::text, '')` : undefined;
    const after = search.cursor.after;
    const keyset = after
      ? key
        ? sql`(${key}, ${id}) ${sql.raw(search.descending ? '<' : '>')} (${after.v ?? ''}::text, ${after.id}::uuid)`
        : sql`${id} ${sql.raw(search.descending ? '<' : '>')} ${after.id}::uuid`
      : undefined;
    const { rowsFrom, rowsWhere } = source(keyset ? [...conditions, keyset] : conditions);
    const order = key ? sql`order by ${key} ${direction}, ${id} ${direction}` : sql`order by ${id} ${direction}`;
    pageQuery = sql`select ${sql.raw(`${alias}.*`)}, ${key ?? sql`null::text`} as __k${total} from ${rowsFrom} ${rowsWhere} ${order} limit ${search.count + 1}`;
  } else {
    const { rowsFrom, rowsWhere } = source(conditions);
    const order = sortKey ? sql`order by ${sortKey} ${direction}, ${id} ${direction}` : sql`order by ${id} asc`;
    pageQuery = sql`select ${sql.raw(`${alias}.*`)}${total} from ${rowsFrom} ${rowsWhere} ${order} limit ${search.count} offset ${search.startIndex - 1}`;
  }
  // Only an indexed equality is a prepared statement (its generic plan is the custom one, minus the planning).
  // Any other search is planned per call: a generic plan cannot know a filter's selectivity and may walk the
  // id index under ORDER BY … LIMIT for a one-row match (seconds at a million users), or give up a LIKE
  // prefix's index. Custom plans pick the right index.
  const prepare = search.filter !== undefined && isIndexedEquality(table, search.filter);
  const run = <T extends Record<string, unknown>>(query: SQL) => {
    const { text, params } = toQuery(query);
    return textRows<T>(executor, text, params, prepare);
  };
  const count = async () => (search.skipTotal ? -1 : Number((await run<{ n: number }>(countQuery))[0]?.n ?? 0));
  let found: RawRow[] = [];
  let totalResults: number;
  if (merged) {
    found = await run<RawRow>(pageQuery);
    // An empty first page means no matches; an empty page further on (past the end) still needs the count.
    totalResults = found.length ? Number(found[0]!.__total) : search.startIndex === 1 ? 0 : await count();
  } else {
    [found, totalResults] = await Promise.all([needRows ? run<RawRow>(pageQuery) : found, count()]);
  }
  let page = found;
  let next: ScimPage['next'];
  if (search.cursor && found.length > search.count) {
    page = found.slice(0, search.count);
    const last = page[page.length - 1]!;
    next = { v: (last.__k as string | null) ?? null, id: String(last.id) };
  }
  return { rows: page.map(listedRow), totalResults, next };
}

/** Raw rows come back snake_cased (timestamps as the driver's strings, JSON parsed on PostgreSQL): what lists show. */
function listedRow(raw: RawRow): ListedRow {
  return {
    id: String(raw.id),
    resource: (typeof raw.resource === 'string' ? JSON.parse(raw.resource) : raw.resource) as Record<string, unknown>,
    version: Number(raw.version),
    created: isoTimestamp(raw.created_at),
    lastModified: isoTimestamp(raw.updated_at),
  };
}

/** PostgreSQL's text for a timestamptz in UTC (DateStyle ISO): `2026-11-25 16:31:00.123456+00`. */
const PG_UTC_TIMESTAMP = /^([1-9]\d{3}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?\+00$/;

/**
 * A timestamp as `Date#toISOString` writes it (milliseconds, truncated, as Date parses them). PostgreSQL's UTC
 * text is rewritten without a Date (two per row of a list, parsed by V8's slow legacy parser); anything else
 * (another zone, years before 1000, a Date) goes through Date.
 */
export function isoTimestamp(value: unknown): string {
  if (typeof value === 'string') {
    const match = PG_UTC_TIMESTAMP.exec(value);
    if (match) return `${match[1]}T${match[2]}.${match[3] === undefined ? '000' : (match[3] + '00').slice(0, 3)}Z`;
  }
  return asDate(value).toISOString();
}
