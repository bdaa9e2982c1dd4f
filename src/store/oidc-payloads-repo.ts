// oidc-provider's storage: every model (Session, Grant, AuthorizationCode, AccessToken, RefreshToken,
// Interaction, ...) as one row of `oidc_payloads` keyed by (model, id). Rows expire by `expires_at`
// (the periodic sweep deletes them; reads ignore them before that), consumption is a timestamp, and a
// revoked grant takes every token issued under it (RFC 6749 §10.5 replayed-code handling relies on it).
import { and, eq, gt, isNull, or, sql } from 'drizzle-orm';
import type { Executor } from './database.js';
import { oidcPayloads } from './schema/index.js';

export type OidcPayload = Record<string, unknown>;

const notExpired = or(isNull(oidcPayloads.expiresAt), gt(oidcPayloads.expiresAt, sql`now()`));

/** Inserts or replaces a payload; `expiresInSeconds` undefined = no expiry. */
export async function upsertOidcPayload(
  executor: Executor,
  model: string,
  id: string,
  payload: OidcPayload,
  expiresInSeconds: number | undefined,
): Promise<void> {
  const expiresAt = expiresInSeconds === undefined ? null : sql`now() + make_interval(secs => ${expiresInSeconds})`;
  const values = {
    model,
    id,
    payload,
    grantId: typeof payload.grantId === 'string' ? payload.grantId : null,
    userCode: typeof payload.userCode === 'string' ? payload.userCode : null,
    uid: typeof payload.uid === 'string' ? payload.uid : null,
    expiresAt,
  };
  await executor
    .insert(oidcPayloads)
    .values(values)
    .onConflictDoUpdate({
      target: [oidcPayloads.model, oidcPayloads.id],
      set: { payload: values.payload, grantId: values.grantId, userCode: values.userCode, uid: values.uid, expiresAt, consumedAt: null },
    });
}

type Row = { payload: unknown; consumedAt: Date | null };

/** oidc-provider expects `consumed` (epoch seconds) in the payload of a consumed model. */
function withConsumed(row: Row | undefined): OidcPayload | undefined {
  if (!row) return undefined;
  const payload = row.payload as OidcPayload;
  return row.consumedAt ? { ...payload, consumed: Math.floor(row.consumedAt.getTime() / 1000) } : payload;
}

const columns = { payload: oidcPayloads.payload, consumedAt: oidcPayloads.consumedAt };

export async function findOidcPayload(executor: Executor, model: string, id: string): Promise<OidcPayload | undefined> {
  const [row] = await executor
    .select(columns)
    .from(oidcPayloads)
    .where(and(eq(oidcPayloads.model, model), eq(oidcPayloads.id, id), notExpired));
  return withConsumed(row);
}

export async function findOidcPayloadByUid(executor: Executor, model: string, uid: string): Promise<OidcPayload | undefined> {
  const [row] = await executor
    .select(columns)
    .from(oidcPayloads)
    .where(and(eq(oidcPayloads.model, model), eq(oidcPayloads.uid, uid), notExpired))
    .limit(1);
  return withConsumed(row);
}

export async function findOidcPayloadByUserCode(executor: Executor, model: string, userCode: string): Promise<OidcPayload | undefined> {
  const [row] = await executor
    .select(columns)
    .from(oidcPayloads)
    .where(and(eq(oidcPayloads.model, model), eq(oidcPayloads.userCode, userCode), notExpired))
    .limit(1);
  return withConsumed(row);
}

export async function consumeOidcPayload(executor: Executor, model: string, id: string): Promise<void> {
  await executor
    .update(oidcPayloads)
    .set({ consumedAt: sql`now()` })
    .where(and(eq(oidcPayloads.model, model), eq(oidcPayloads.id, id)));
}

export async function destroyOidcPayload(executor: Executor, model: string, id: string): Promise<void> {
  await executor.delete(oidcPayloads).where(and(eq(oidcPayloads.model, model), eq(oidcPayloads.id, id)));
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
