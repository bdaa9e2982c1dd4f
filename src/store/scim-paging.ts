// The parts of SCIM paging (RFC 7644 §3.4.2.4) that scim-search.ts composes into one statement per page:
// - keyset conditions and orders over a sort key and the id (ties broken by id, NULLs last ascending and first
//   descending, as PostgreSQL's ORDER BY puts them), for cursors and for index pages that follow a known position;
// - read positions: where a page of an index-paged read ended, stored under (read key, startIndex of the next
//   page) in `scim_read_positions`, so that when the client asks for that page it is read from there by keyset
//   instead of by OFFSET. Several instances share them through the database; they expire after an hour unused;
// - exact user counts per store (`user_store_counts`, kept by triggers), for the total of an unfiltered read.
import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from './database.js';
import type { SortKey } from './scim-query.js';
import { scimSql, type SqlText } from './scim-sql-text.js';

/** Where the previous page ended: its last row's sort key (as `keyText` wrote it) and id. */
export interface Keyset {
  v: string | null;
  id: string;
}

export interface ReadPosition extends Keyset {
  /** The read's total when it is not recounted per page (filtered reads); null otherwise. */
  totalResults: number | null;
  fenced: boolean;
}

/** How long a read may pause between two pages and still go on by keyset (after that: one OFFSET page). */
export const READ_POSITION_TTL = "interval '1 hour'";
/** Positions are rewritten only when they change, or when fewer than this remain of their lifetime. */
const REFRESH_BEFORE = "interval '50 minutes'";
/** startIndex is an integer column: reads that far in (2^31) are paged by OFFSET. */
export const MAX_POSITION_INDEX = 2_000_000_000;

export async function findReadPosition(executor: Executor, readKey: string, startIndex: number): Promise<ReadPosition | undefined> {
  const [row] = await queryRows<{ last_key: string | null; last_id: string; total_results: number | null; fenced: boolean }>(
    executor,
    sql`select last_key, last_id, total_results, fenced from scim_read_positions
      where read_key = ${readKey} and start_index = ${startIndex} and expires_at > now()`,
    { prepare: true },
  );
  if (!row) return undefined;
  return {
    v: row.last_key,
    id: String(row.last_id),
    totalResults: row.total_results === null ? null : Number(row.total_results),
    fenced: row.fenced === true || (row.fenced as unknown) === 't',
  };
}

export async function deleteExpiredReadPositions(executor: Executor): Promise<void> {
  await queryRows(executor, sql`delete from scim_read_positions where expires_at < now()`);
}

/**
 * A sort key as text that casts back to its type exactly: timestamps through JSON (ISO 8601 whatever the
 * session's DateStyle), everything else by its own text form.
 */
export function keyText(key: SortKey, ref: SqlText): SqlText {
  return key.type === 'timestamptz' ? scimSql`(to_json(${ref}) #>> '{}')` : scimSql`(${ref})::text`;
}

/** `order by` over (key, id) in the list's direction, or the reverse (to find a page's last row). */
export function orderBy(key: SortKey | undefined, descending: boolean, keyRef: SqlText, idRef: SqlText, reverse = false): SqlText {
  const dir = scimSql.raw(descending !== reverse ? 'desc' : 'asc');
  return key ? scimSql`order by ${keyRef} ${dir}, ${idRef} ${dir}` : scimSql`order by ${idRef} ${dir}`;
}

/**
 * The rows strictly after `after` in the order `orderBy` gives. A row value comparison where it is exact (the
 * index on (key, id), if any, serves it); NULL keys come last ascending and first descending.
 */
export function keysetCondition(key: SortKey | undefined, descending: boolean, after: Keyset, keyRef: SqlText, idRef: SqlText): SqlText {
  const cmp = scimSql.raw(descending ? '<' : '>');
  const afterId = scimSql`${after.id}::uuid`;
  if (!key) return scimSql`${idRef} ${cmp} ${afterId}`;
  if (after.v === null) {
    // The last row's key was null: ascending, only nulls with a greater id follow; descending, the nulls with a
    // smaller id, then every non-null key.
    return descending
      ? scimSql`((${keyRef} is null and ${idRef} < ${afterId}) or ${keyRef} is not null)`
      : scimSql`(${keyRef} is null and ${idRef} > ${afterId})`;
  }
  const past = scimSql`(${keyRef}, ${idRef}) ${cmp} (${after.v}::${scimSql.raw(key.type)}, ${afterId})`;
  return key.nullable && !descending ? scimSql`(${past} or ${keyRef} is null)` : past;
}

/** Exact count of users, from the per-store counts: of every store, or of the stores given. */
export function storedUserCount(userStoreIds: string[] | null | undefined): SqlText {
  const where = userStoreIds
    ? userStoreIds.length
      ? scimSql` where c.user_store_id in (${scimSql.join(
          userStoreIds.map((id) => scimSql`${id}::uuid`),
          scimSql`, `,
        )})`
      : scimSql` where false`
    : scimSql``;
  return scimSql`(select coalesce(sum(c.users), 0)::bigint from user_store_counts c${where})`;
}

export interface PositionWrite {
  readKey: string;
  /** The startIndex of the page after this one (this page's startIndex + count). */
  nextIndex: number;
  /** The page's size: a shorter page is the last, and leaves no position. */
  count: number;
  key: SortKey | undefined;
  descending: boolean;
  /** The read's total to keep with the position (null: recounted per page), and whether its filter is fenced. */
  total: SqlText;
  fenced: SqlText;
}

/**
 * A data-modifying CTE over the CTE `page` (columns of the table, `__k` the sort key): stores where a full page
 * ended, under the startIndex of the next. Unchanged positions are not rewritten (a first page read again and
 * again by many clients would otherwise write on every read).
 */
export function positionWriteCte(write: PositionWrite): SqlText {
  const lastKey = write.key ? keyText(write.key, scimSql.raw('l.__k')) : scimSql`null::text`;
  const last = orderBy(write.key, write.descending, scimSql.raw('page.__k'), scimSql.raw('page.id'), true);
  return scimSql`pos as (insert into scim_read_positions as p (read_key, start_index, last_key, last_id, total_results, fenced, expires_at)
    select ${write.readKey}::text, ${write.nextIndex}::int, ${lastKey}, l.id, ${write.total}, ${write.fenced}, now() + ${scimSql.raw(READ_POSITION_TTL)}
    from (select page.__k, page.id from page ${last} limit 1) l
    where (select count(*) from page) = ${write.count}::int
    on conflict (read_key, start_index) do update set last_key = excluded.last_key, last_id = excluded.last_id,
      total_results = excluded.total_results, fenced = excluded.fenced, expires_at = excluded.expires_at
    where p.last_id <> excluded.last_id or p.last_key is distinct from excluded.last_key
      or p.total_results is distinct from excluded.total_results or p.fenced <> excluded.fenced
      or p.expires_at < now() + ${scimSql.raw(REFRESH_BEFORE)})`;
}
