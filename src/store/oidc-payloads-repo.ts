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
import { ACCOUNT_JSON_OF, accountUserFromJson, type AccountUserWithGroups } from './oidc-accounts-repo.js';
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
  await hotRows(executor, UPSERT, columnsOf({ model, id, payload, expiresInSeconds }));
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
  await hotRows(executor, UPSERT_MANY, [JSON.stringify(rows.map(recordOf))]);
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

/** A row to delete, by its key. */
export interface PayloadToDelete {
  model: string;
  id: string;
}

// Deletes and upserts of different rows in one statement (one commit): all or none.
const DELETE_AND_UPSERT_MANY = `with gone as (
    delete from oidc_payloads o using jsonb_to_recordset($2::jsonb) as d(model text, id text)
    where o.model = d.model and o.id = d.id)
  ${UPSERT_MANY}`;
const DELETE_MANY = `delete from oidc_payloads o using jsonb_to_recordset($1::jsonb) as d(model text, id text)
  where o.model = d.model and o.id = d.id`;

/**
 * Deletes some rows and inserts or replaces others, in one statement. The two lists must not share a (model, id):
 * a statement cannot change one row twice.
 */
export async function writeOidcPayloads(
  executor: Executor,
  upserts: readonly PayloadToWrite[],
  deletes: readonly PayloadToDelete[],
): Promise<void> {
  if (deletes.length === 0) return upsertOidcPayloads(executor, upserts);
  const keys = JSON.stringify(deletes.map(({ model, id }) => ({ model, id })));
  if (upserts.length === 0) {
    await hotRows(executor, DELETE_MANY, [keys]);
    return;
  }
  await hotRows(executor, DELETE_AND_UPSERT_MANY, [JSON.stringify(upserts.map(recordOf)), keys]);
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

// A code (or refresh token) with the grant, the session and the account it refers to: what the token endpoint
// reads next.
const FIND_WITH_GRANT_AND_SESSION = `with source as (
    select payload, consumed_at from oidc_payloads where model = $1::text and id = $2::text and ${LIVE})
  select 'source' as part, payload, extract(epoch from consumed_at)::float8 as consumed from source
  union all
  select 'grant', g.payload, extract(epoch from g.consumed_at)::float8 from source
    join oidc_payloads g on g.model = 'Grant' and g.id = source.payload->>'grantId' and (g.expires_at is null or g.expires_at > now())
  union all
  select 'session', s.payload, extract(epoch from s.consumed_at)::float8 from source cross join lateral (
    select x.payload, x.consumed_at from oidc_payloads x
    where x.model = 'Session' and x.uid = source.payload->>'sessionUid' and (x.expires_at is null or x.expires_at > now())
    limit 1) s
  union all
  select 'account', a.account, null from source cross join lateral (
    select ${ACCOUNT_JSON_OF(`source.payload->>'accountId'`)} as account) a where a.account is not null`;

type Part = Row & { part: 'source' | 'grant' | 'session' | 'account' };

/**
 * A grant source (AuthorizationCode, RefreshToken) by id, with the Grant its `grantId` names, the Session its
 * `sessionUid` names and the local user its `accountId` names (with groups), in one statement (one snapshot);
 * undefined parts were not found (or are expired).
 */
export async function findGrantSourceWithGrantAndSession(
  executor: Executor,
  model: string,
  id: string,
): Promise<{ source?: OidcPayload; grant?: OidcPayload; session?: OidcPayload; account?: AccountUserWithGroups }> {
  const found = await hotRows<Part>(executor, FIND_WITH_GRANT_AND_SESSION, [model, id]);
  const parts: { source?: OidcPayload; grant?: OidcPayload; session?: OidcPayload; account?: AccountUserWithGroups } = {};
  for (const row of found) {
    if (row.part === 'account') parts.account = accountUserFromJson(row.payload);
    else parts[row.part] = withConsumed(row);
  }
  return parts;
}

// An interaction with the local user its login result names: what oidc-provider's resume reads next.
const FIND_INTERACTION_WITH_ACCOUNT = `with source as (
    select payload, consumed_at from oidc_payloads where model = 'Interaction' and id = $1::text and ${LIVE})
  select 'source' as part, payload, extract(epoch from consumed_at)::float8 as consumed from source
  union all
  select 'account', a.account, null from source cross join lateral (
    select ${ACCOUNT_JSON_OF(`source.payload #>> '{result,login,accountId}'`)} as account) a where a.account is not null`;

/** An interaction by id, and the local user (with groups) its result's login names, in one statement. */
export async function findInteractionWithAccount(
  executor: Executor,
  id: string,
): Promise<{ interaction?: OidcPayload; account?: AccountUserWithGroups }> {
  const found = await hotRows<Part>(executor, FIND_INTERACTION_WITH_ACCOUNT, [id]);
  const source = found.find((row) => row.part === 'source');
  const account = found.find((row) => row.part === 'account');
  return { interaction: withConsumed(source), account: accountUserFromJson(account?.payload) };
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
