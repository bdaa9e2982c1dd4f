// Runs SCIM searches over users or groups (RFC 7644 §3.4.2): a compiled filter, sorting, index paging
// (startIndex/count with totalResults) and keyset paging for cursors (draft-ietf-scim-cursor-pagination).
// Only one page of rows is ever read, in one statement with its total. An index page that follows the page a
// client was just given (same read, startIndex = previous end + 1) is read by keyset from where that page ended
// (scim-paging.ts), so reading a million users page by page costs each page what the first costs.
import { asDate, queryRows, type Executor } from './database.js';
import {
  findReadPosition,
  keysetCondition,
  keyText,
  MAX_POSITION_INDEX,
  orderBy,
  positionWriteCte,
  storedUserCount,
  type Keyset,
} from './scim-paging.js';
import { compileScimFilter, isIndexedEquality, sortKey, type ResourceTable, type ScimAttr, type ScimFilter } from './scim-query.js';
import { compileScimSql, scimSql, type SqlText } from './scim-sql-text.js';

export interface ScimSearch {
  filter?: ScimFilter | undefined;
  sortBy?: ScimAttr | undefined;
  descending?: boolean;
  /** 1-based index paging (RFC 7644 §3.4.2.4). */
  startIndex: number;
  count: number;
  /** Keyset paging: null = first page; otherwise after this (sort value, id). */
  cursor?: { after: Keyset | null } | undefined;
  /** Restrict to these user stores (a SCIM client limited to some stores); null = all. */
  userStoreIds?: string[] | null | undefined;
  /** Skip counting (the caller does not need totalResults). */
  skipTotal?: boolean;
  /**
   * Index paging: what identifies the read this page belongs to (a hash of client, resource type, filter and
   * sort). With it, a full page leaves its end position for the page after it, and a page that starts at a
   * position left so is read by keyset.
   */
  readKey?: string | undefined;
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
  next?: Keyset | undefined;
}

type RawRow = Record<string, unknown> & { __kt?: string | null; __total?: number | string };

/**
 * The columns a page reads: what `listedRow` needs, nothing else. Not `r.*`: the driver decodes every column of
 * every row (a user's provenance JSON, email array, password hash…), about a fifth of a 100-user page's CPU.
 */
const LISTED_COLUMNS = ['id', 'resource', 'version', 'created_at', 'updated_at'] as const;

/** Runs a search over users or groups: one page of rows, and the total (counted with the same filter). */
export async function searchScim(executor: Executor, table: ResourceTable, search: ScimSearch): Promise<ScimPage> {
  const alias = 'r';
  const conditions: SqlText[] = [];
  if (search.filter) conditions.push(compileScimFilter(table, search.filter, alias));
  if (search.userStoreIds) {
    if (search.userStoreIds.length === 0) conditions.push(scimSql`false`);
    else
      conditions.push(
        scimSql`${scimSql.raw(`${alias}.user_store_id`)} in (${scimSql.join(
          search.userStoreIds.map((id) => scimSql`${id}::uuid`),
          scimSql`, `,
        )})`,
      );
  }
  const from = scimSql.raw(`${table} ${alias}`);
  const id = scimSql.raw(`${alias}.id`);
  const key = search.sortBy ? sortKey(table, search.sortBy, alias) : undefined;
  // Index paging without sortBy is in id order whatever sortOrder says (it applies to sortBy, §3.4.2.3); cursors
  // honour it.
  const descending = Boolean(search.descending) && (key !== undefined || search.cursor !== undefined);
  // Only an indexed equality is a prepared statement (its generic plan is the custom one, minus the planning).
  // Any other search is planned per call: a generic plan cannot know a filter's selectivity and may walk the
  // id index under ORDER BY … LIMIT for a one-row match (seconds at a million users), or give up a LIKE
  // prefix's index. Custom plans pick the right index. Such a lookup matches a handful of rows: it leaves no
  // read position (a later page of it, if any, is a short OFFSET).
  const prepare = search.filter !== undefined && isIndexedEquality(table, search.filter);
  const positions =
    search.readKey !== undefined && !search.cursor && !prepare && search.count > 0 && search.startIndex + search.count < MAX_POSITION_INDEX;

  // Where the page starts: after a cursor, after a stored position, or at an offset.
  let after: Keyset | undefined = search.cursor?.after ?? undefined;
  let reused: { total: number | null; fenced: boolean } | undefined;
  if (positions && search.startIndex > 1) {
    const found = await findReadPosition(executor, search.readKey!, search.startIndex);
    if (found) {
      after = found;
      reused = { total: found.totalResults, fenced: found.fenced };
    }
  }
  const offset = search.cursor || after ? 0 : search.startIndex - 1;

  // The total: of an unfiltered user read, the per-store counts (exact, a few rows); of a read going on from a
  // position, the count its first page took; otherwise counted with the same filter, in the same statement.
  const counted = scimSql`(select count(*) from ${from} ${conditions.length ? scimSql`where ${scimSql.join(conditions, scimSql` and `)}` : scimSql``})`;
  const stored = table === 'users' && !search.filter;
  const totalExpr = search.skipTotal
    ? undefined
    : stored
      ? storedUserCount(search.userStoreIds)
      : reused?.total != null
        ? scimSql`${reused.total}::bigint`
        : counted;

  // A filtered page is evaluated behind an optimisation fence (OFFSET 0): otherwise the planner, guessing a
  // filter's selectivity (a LIKE prefix from the histogram, a trigram match at a guess), may walk the id index
  // under ORDER BY … LIMIT and read most of the table to find a handful of rows. The fence costs a sort of the
  // matches. A read going on from a position whose filter matches many rows drops the fence (decided on its
  // first page, below): sorting all its matches on every page would make a full read quadratic, and walking
  // the index finds a page after reading about count × store / matches rows.
  const fenced = search.filter !== undefined && (reused?.fenced ?? true);
  const pageConditions = after ? [...conditions, keysetCondition(key, descending, after, key?.expr ?? scimSql`null`, id)] : conditions;
  const where = pageConditions.length ? scimSql`where ${scimSql.join(pageConditions, scimSql` and `)}` : scimSql``;
  const rowsFrom = fenced ? scimSql`(select * from ${from} ${where} offset 0) ${scimSql.raw(alias)}` : scimSql`${from} ${where}`;
  const limit = search.cursor ? search.count + 1 : search.count;
  // An unfiltered page read from the start or from a keyset is planned the same for any key: it is prepared too,
  // with its LIMIT written into the text (a generic plan with LIMIT $n assumes a tenth of the table and is never
  // chosen; a client uses one count, so this is a statement or two per connection). A full read then costs no
  // planning per page. An OFFSET page (a jump) is planned per call.
  const preparedPage = search.filter === undefined && offset === 0;
  const limitText = preparedPage ? scimSql.raw(String(limit)) : scimSql`${limit}`;
  const pageCte = scimSql`page as (select ${scimSql.raw(LISTED_COLUMNS.map((c) => `${alias}.${c}`).join(', '))}, ${key ? key.expr : scimSql`null::text`} as __k from ${rowsFrom}
    ${orderBy(key, descending, key?.expr ?? scimSql``, id)} limit ${limitText}${offset ? scimSql` offset ${offset}` : scimSql``})`;

  const ctes: SqlText[] = [];
  if (totalExpr) ctes.push(scimSql`total as (select ${totalExpr} as n)`);
  if (search.count > 0) ctes.push(pageCte);
  if (positions) {
    const fencedNext =
      search.filter === undefined
        ? scimSql`true`
        : reused
          ? scimSql`${reused.fenced}::boolean`
          : table === 'users' && totalExpr
            ? scimSql`((select n from total)::float8 * (select n from total) <= ${search.count}::float8 * ${storedUserCount(search.userStoreIds)})`
            : scimSql`true`;
    ctes.push(
      positionWriteCte({
        readKey: search.readKey!,
        nextIndex: search.startIndex + search.count,
        count: search.count,
        key,
        descending,
        total: search.filter !== undefined && totalExpr ? scimSql`(select n from total)::int` : scimSql`null::int`,
        fenced: fencedNext,
      }),
    );
  }
  const pageOrder = orderBy(key, descending, scimSql.raw('page.__k'), scimSql.raw('page.id'));
  const keyOut = search.cursor && key ? scimSql`, ${keyText(key, scimSql.raw('page.__k'))} as __kt` : scimSql``;
  const select =
    search.count === 0
      ? scimSql`select total.n as __total from total`
      : totalExpr
        ? scimSql`select page.*${keyOut}, total.n as __total from total left join page on true ${pageOrder}`
        : scimSql`select page.*${keyOut} from page ${pageOrder}`;
  const statement = ctes.length ? scimSql`with ${scimSql.join(ctes, scimSql`, `)} ${select}` : select;
  const raw = await queryRows<RawRow>(executor, compileScimSql(statement), { prepare: prepare || preparedPage });

  const totalResults = totalExpr ? Number(raw[0]?.__total ?? 0) : -1;
  const found = search.count === 0 ? [] : raw.filter((row) => row.id !== null && row.id !== undefined);
  let page = found;
  let next: ScimPage['next'];
  if (search.cursor && found.length > search.count) {
    page = found.slice(0, search.count);
    const last = page[page.length - 1]!;
    next = { v: key ? ((last.__kt as string | null) ?? null) : null, id: String(last.id) };
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
