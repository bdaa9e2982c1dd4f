// oidc-provider's storage: every model (Session, Grant, AuthorizationCode, AccessToken, RefreshToken,
// Interaction, ...) as one row of `oidc_payloads` keyed by (model, id). Rows expire by `expires_at`
// (the periodic sweep deletes them; reads ignore them before that), consumption is a timestamp, and a
// revoked grant takes every token issued under it (RFC 6749 §10.5 replayed-code handling relies on it).
//
// Every login runs about seventeen of these statements, so they are constant SQL texts run through `hotRows`:
// prepared once per connection on PostgreSQL (one round trip each instead of a describe and then a bind, no
// query building per call). Timestamps stay in SQL (`consumed` comes back as epoch seconds).
//
// Durability is this table's: creating or updating login state may be lost in a database crash (the person signs
// in again), so upserts run on the fast-commit handle (fastCommit, database.ts); consuming, destroying and revoking
// must not be lost, or a used code, a revoked grant or an ended session could come back: those stay durable. The
// one exception is an Interaction's delete (oidc-provider ends it at the resume): losing it leaves the interaction
// as it was, already used by its result, and the code it led to is consumed durably when redeemed.
import { and, eq, or, sql } from 'drizzle-orm';
import { fastCommit, hotRows, type Executor } from './database.js';
import { oidcPayloads } from './schema/index.js';

export type OidcPayload = Record<string, unknown>;

const UPSERT = `insert into oidc_payloads (model, id, payload, grant_id, user_code, uid, expires_at, consumed_at)
  values ($1::text, $2::text, $3::jsonb, $4::text, $5::text, $6::text,
    case when $7::float8 is null then null else now() + make_interval(secs => $7::float8) end, null)
  on conflict (model, id) do update set payload = excluded.payload, grant_id = excluded.grant_id,
    user_code = excluded.user_code, uid = excluded.uid, expires_at = excluded.expires_at, consumed_at = null`;

/** One row to write: `expiresInSeconds` undefined = no expiry. */
export interface PayloadToWrite {
  model: string;
  id: string;
  payload: OidcPayload;
  expiresInSeconds: number | undefined;
}

const columnsOf = ({ model, id, payload, expiresInSeconds }: PayloadToWrite) => {
  const text = (key: string) => (typeof payload[key] === 'string' ? (payload[key] as string) : null);
  return [model, id, JSON.stringify(payload), text('grantId'), text('userCode'), text('uid'), expiresInSeconds ?? null];
};

/** Inserts or replaces a payload; `expiresInSeconds` undefined = no expiry. */
export async function upsertOidcPayload(
  executor: Executor,
  model: string,
  id: string,
  payload: OidcPayload,
  expiresInSeconds: number | undefined,
): Promise<void> {
  await hotRows(fastCommit(executor), UPSERT, columnsOf({ model, id, payload, expiresInSeconds }));
}

// Several rows in one statement, for any number of rows with one constant text: the rows travel as one jsonb
// array. The same columns and conflict handling as UPSERT.
const UPSERT_MANY = `insert into oidc_payloads (model, id, payload, grant_id, user_code, uid, expires_at, consumed_at)
  select r.model, r.id, r.payload, r.grant_id, r.user_code, r.uid,
    case when r.expires_in is null then null else now() + make_interval(secs => r.expires_in) end, null
  from jsonb_to_recordset($1::jsonb) as r(model text, id text, payload jsonb, grant_id text, user_code text, uid text, expires_in float8)
  on conflict (model, id) do update set payload = excluded.payload, grant_id = excluded.grant_id,
    user_code = excluded.user_code, uid = excluded.uid, expires_at = excluded.expires_at, consumed_at = null`;

/**
 * Inserts or replaces payloads in one statement, so all or none are written. Each (model, id) at most once: a
 * statement cannot change one row twice.
 */
export async function upsertOidcPayloads(executor: Executor, rows: readonly PayloadToWrite[]): Promise<void> {
  if (rows.length === 0) return;
  if (rows.length === 1) return upsertOidcPayload(executor, rows[0]!.model, rows[0]!.id, rows[0]!.payload, rows[0]!.expiresInSeconds);
  await hotRows(fastCommit(executor), UPSERT_MANY, [JSON.stringify(rows.map(recordOf))]);
}

/** A row as UPSERT_MANY reads it from its jsonb array. */
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

const SELECT = `select payload, extract(epoch from consumed_at)::float8 as consumed from oidc_payloads`;
const LIVE = `(expires_at is null or expires_at > now())`;
const FIND = `${SELECT} where model = $1::text and id = $2::text and ${LIVE}`;
const FIND_BY_UID = `${SELECT} where model = $1::text and uid = $2::text and ${LIVE} limit 1`;
const FIND_BY_USER_CODE = `${SELECT} where model = $1::text and user_code = $2::text and ${LIVE} limit 1`;

export async function findOidcPayload(executor: Executor, model: string, id: string): Promise<OidcPayload | undefined> {
  const [row] = await hotRows<Row>(executor, FIND, [model, id]);
  return withConsumed(row);
}

export async function findOidcPayloadByUid(executor: Executor, model: string, uid: string): Promise<OidcPayload | undefined> {
  const [row] = await hotRows<Row>(executor, FIND_BY_UID, [model, uid]);
  return withConsumed(row);
}

export async function findOidcPayloadByUserCode(executor: Executor, model: string, userCode: string): Promise<OidcPayload | undefined> {
  const [row] = await hotRows<Row>(executor, FIND_BY_USER_CODE, [model, userCode]);
  return withConsumed(row);
}

const CONSUME = `update oidc_payloads set consumed_at = now() where model = $1::text and id = $2::text`;
const DESTROY = `delete from oidc_payloads where model = $1::text and id = $2::text`;

export async function consumeOidcPayload(executor: Executor, model: string, id: string): Promise<void> {
  await hotRows(executor, CONSUME, [model, id]);
}

export async function destroyOidcPayload(executor: Executor, model: string, id: string): Promise<void> {
  await hotRows(model === 'Interaction' ? fastCommit(executor) : executor, DESTROY, [model, id]);
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
