// oidc-provider's storage: every model (Session, Grant, AuthorizationCode, AccessToken, RefreshToken,
// Interaction, ...) as one row of `oidc_payloads` keyed by (model, id). Rows expire by `expires_at`
// (the periodic sweep deletes them; reads ignore them before that), consumption is a timestamp, and a
// revoked grant takes every token issued under it (RFC 6749 §10.5 replayed-code handling relies on it).
//
// Every login runs about seventeen of these statements, so they are constant SQL texts run through `hotRows`:
// prepared once per connection on PostgreSQL (one round trip each instead of a describe and then a bind, no
// query building per call). Timestamps stay in SQL (`consumed` comes back as epoch seconds).
import { and, eq, or, sql } from 'drizzle-orm';
import { hotRows, type Executor } from './database.js';
import { oidcPayloads } from './schema/index.js';

export type OidcPayload = Record<string, unknown>;

const UPSERT = `insert into oidc_payloads (model, id, payload, grant_id, user_code, uid, expires_at, consumed_at)
  values ($1::text, $2::text, $3::jsonb, $4::text, $5::text, $6::text,
    case when $7::float8 is null then null else now() + make_interval(secs => $7::float8) end, null)
  on conflict (model, id) do update set payload = excluded.payload, grant_id = excluded.grant_id,
    user_code = excluded.user_code, uid = excluded.uid, expires_at = excluded.expires_at, consumed_at = null`;

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
  await hotRows(executor, UPSERT, columnsOf({ model, id, payload, expiresInSeconds }));
}

// Two rows in one statement (a session and what is kept beside it): the same columns, the same conflict handling.
const UPSERT_TWO = `insert into oidc_payloads (model, id, payload, grant_id, user_code, uid, expires_at, consumed_at)
  values ($1::text, $2::text, $3::jsonb, $4::text, $5::text, $6::text,
      case when $7::float8 is null then null else now() + make_interval(secs => $7::float8) end, null),
    ($8::text, $9::text, $10::jsonb, $11::text, $12::text, $13::text,
      case when $14::float8 is null then null else now() + make_interval(secs => $14::float8) end, null)
  on conflict (model, id) do update set payload = excluded.payload, grant_id = excluded.grant_id,
    user_code = excluded.user_code, uid = excluded.uid, expires_at = excluded.expires_at, consumed_at = null`;

/** Inserts or replaces two payloads of different (model, id) in one statement, so both or neither are written. */
export async function upsertTwoOidcPayloads(executor: Executor, first: PayloadToWrite, second: PayloadToWrite): Promise<void> {
  await hotRows(executor, UPSERT_TWO, [...columnsOf(first), ...columnsOf(second)]);
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
  await hotRows(executor, DESTROY, [model, id]);
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
