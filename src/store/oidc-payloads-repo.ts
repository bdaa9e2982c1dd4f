// oidc-provider's storage: every model (Session, Grant, AuthorizationCode, AccessToken, RefreshToken,
// Interaction, ...) as one row of `oidc_payloads` keyed by (model, id). Rows expire by `expires_at`
// (the periodic sweep deletes them; reads ignore them before that), consumption is a timestamp, and a
// revoked grant takes every token issued under it (RFC 6749 §10.5 replayed-code handling relies on it).
//
// Every login runs about seventeen of these statements, so they are drizzle's `sql` with a constant text, run
// through `queryRows` with `prepare`: prepared once per connection on PostgreSQL (one round trip each instead of a
// describe and then a bind), no query builder. Timestamps stay in SQL (`consumed` comes back as epoch seconds).
//
// Durability is this table's: creating or updating login state may be lost in a database crash (the person signs
// in again), so upserts run on the fast-commit handle (fastCommit, database.ts); consuming, destroying and revoking
// must not be lost, or a used code, a revoked grant or an ended session could come back: those stay durable. The
// one exception is an Interaction's delete (oidc-provider ends it at the resume): losing it leaves the interaction
// as it was, already used by its result, and the code it led to is consumed durably when redeemed.
import { and, eq, or, sql, type SQL } from 'drizzle-orm';
import { fastCommit, queryRows, type Executor } from './database.js';
import { oidcPayloads } from './schema/index.js';

export type OidcPayload = Record<string, unknown>;

/** One row to write: `expiresInSeconds` undefined = no expiry. */
export interface PayloadToWrite {
  model: string;
  id: string;
  payload: OidcPayload;
  expiresInSeconds: number | undefined;
}

const upsert = ({ model, id, payload, expiresInSeconds }: PayloadToWrite): SQL => {
  const text = (key: string) => (typeof payload[key] === 'string' ? (payload[key] as string) : null);
  const expiresIn = expiresInSeconds ?? null;
  return sql`insert into oidc_payloads (model, id, payload, grant_id, user_code, uid, expires_at, consumed_at)
  values (${model}::text, ${id}::text, ${JSON.stringify(payload)}::jsonb, ${text('grantId')}::text, ${text('userCode')}::text, ${text('uid')}::text,
    case when ${expiresIn}::float8 is null then null else now() + make_interval(secs => ${expiresIn}::float8) end, null)
  on conflict (model, id) do update set payload = excluded.payload, grant_id = excluded.grant_id,
    user_code = excluded.user_code, uid = excluded.uid, expires_at = excluded.expires_at, consumed_at = null`;
};

/** Inserts or replaces a payload; `expiresInSeconds` undefined = no expiry. */
export async function upsertOidcPayload(
  executor: Executor,
  model: string,
  id: string,
  payload: OidcPayload,
  expiresInSeconds: number | undefined,
): Promise<void> {
  await queryRows(fastCommit(executor), upsert({ model, id, payload, expiresInSeconds }), { prepare: true });
}

// Several rows in one statement, for any number of rows with one constant text: the rows travel as one jsonb
// array. The same columns and conflict handling as `upsert`.
function upsertMany(recordsJson: string): SQL {
  return sql`insert into oidc_payloads (model, id, payload, grant_id, user_code, uid, expires_at, consumed_at)
  select r.model, r.id, r.payload, r.grant_id, r.user_code, r.uid,
    case when r.expires_in is null then null else now() + make_interval(secs => r.expires_in) end, null
  from jsonb_to_recordset(${recordsJson}::jsonb) as r(model text, id text, payload jsonb, grant_id text, user_code text, uid text, expires_in float8)
  on conflict (model, id) do update set payload = excluded.payload, grant_id = excluded.grant_id,
    user_code = excluded.user_code, uid = excluded.uid, expires_at = excluded.expires_at, consumed_at = null`;
}

/**
 * Inserts or replaces payloads in one statement, so all or none are written. Each (model, id) at most once: a
 * statement cannot change one row twice.
 */
export async function upsertOidcPayloads(executor: Executor, rows: readonly PayloadToWrite[]): Promise<void> {
  if (rows.length === 0) return;
  if (rows.length === 1) return upsertOidcPayload(executor, rows[0]!.model, rows[0]!.id, rows[0]!.payload, rows[0]!.expiresInSeconds);
  await queryRows(fastCommit(executor), upsertMany(JSON.stringify(rows.map(recordOf))), { prepare: true });
}

/** A row as `upsertMany` reads it from its jsonb array. */
function recordOf({ model, id, payload, expiresInSeconds }: PayloadToWrite) {
  const text = (key: string) => (typeof payload[key] === 'string' ? (payload[key] as string) : null);
  return {
    model,
    id,
    payload,
    grant_id: text('grantId'),
    user_code: text('userCode'),
    uid: text('uid'),
    expires_in: expiresInSeconds ?? null,
  };
}

type Row = { payload: unknown; consumed: number | string | null };

/** oidc-provider expects `consumed` (epoch seconds) in the payload of a consumed model. */
function withConsumed(row: Row | undefined): OidcPayload | undefined {
  if (!row) return undefined;
  const payload = row.payload as OidcPayload;
  return row.consumed == null ? payload : { ...payload, consumed: Math.floor(Number(row.consumed)) };
}

const SELECT = sql`select payload, extract(epoch from consumed_at)::float8 as consumed from oidc_payloads`;
const LIVE = sql`(expires_at is null or expires_at > now())`;

export async function findOidcPayload(executor: Executor, model: string, id: string): Promise<OidcPayload | undefined> {
  const query = sql`${SELECT} where model = ${model}::text and id = ${id}::text and ${LIVE}`;
  const [row] = await queryRows<Row>(executor, query, { prepare: true });
  return withConsumed(row);
}

export async function findOidcPayloadByUid(executor: Executor, model: string, uid: string): Promise<OidcPayload | undefined> {
  const query = sql`${SELECT} where model = ${model}::text and uid = ${uid}::text and ${LIVE} limit 1`;
  const [row] = await queryRows<Row>(executor, query, { prepare: true });
  return withConsumed(row);
}

export async function findOidcPayloadByUserCode(executor: Executor, model: string, userCode: string): Promise<OidcPayload | undefined> {
  const query = sql`${SELECT} where model = ${model}::text and user_code = ${userCode}::text and ${LIVE} limit 1`;
  const [row] = await queryRows<Row>(executor, query, { prepare: true });
  return withConsumed(row);
}

export async function consumeOidcPayload(executor: Executor, model: string, id: string): Promise<void> {
  await queryRows(executor, sql`update oidc_payloads set consumed_at = now() where model = ${model}::text and id = ${id}::text`, {
    prepare: true,
  });
}

export async function destroyOidcPayload(executor: Executor, model: string, id: string): Promise<void> {
  const query = sql`delete from oidc_payloads where model = ${model}::text and id = ${id}::text`;
  await queryRows(model === 'Interaction' ? fastCommit(executor) : executor, query, { prepare: true });
}

/** Deletes every token and code of a grant (any model), and the grant itself. */
export async function revokeOidcGrant(executor: Executor, grantId: string): Promise<void> {
  await executor
    .delete(oidcPayloads)
    .where(or(eq(oidcPayloads.grantId, grantId), and(eq(oidcPayloads.model, 'Grant'), eq(oidcPayloads.id, grantId))));
}

/** Counts live rows per model (tests: "nothing stored"). */
export async function countOidcPayloads(executor: Executor): Promise<Record<string, number>> {
  const result = await executor
    .select({ model: oidcPayloads.model, n: sql<number>`count(*)::int` })
    .from(oidcPayloads)
    .groupBy(oidcPayloads.model);
  return Object.fromEntries(result.map((r) => [r.model, Number(r.n)]));
}
