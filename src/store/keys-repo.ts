// Key material the server generates and must use again (token signing keys, cookie keys, the pairwise
// subject key). The caller seals private parts with the secrets box before they reach this module.
import { and, asc, desc, eq, gt, inArray, isNull, or, sql } from 'drizzle-orm';
import type { Executor } from './database.js';
import { keyMaterial } from './schema/index.js';

export type KeyRow = typeof keyMaterial.$inferSelect;

export interface NewKey {
  id: string;
  purpose: string;
  algorithm: string;
  privateEncrypted: string;
  publicJwk?: Record<string, unknown> | null;
  /** 'active' unless told ('next': published ahead of use, as the SAML IdP's keys are). */
  status?: string;
}

/** Keys of these purposes still in use: active ones (newest first), then retired ones still published. */
export async function listLiveKeys(executor: Executor, purposes: string[]): Promise<KeyRow[]> {
  return (
    executor
      .select()
      .from(keyMaterial)
      .where(
        and(
          inArray(keyMaterial.purpose, purposes),
          or(
            eq(keyMaterial.status, 'active'),
            and(eq(keyMaterial.status, 'retired'), or(isNull(keyMaterial.publishUntil), gt(keyMaterial.publishUntil, sql`now()`))),
          ),
        ),
      )
      // Deterministic: RS256 before ES256 among keys made together (discovery lists algorithms in this order).
      .orderBy(asc(keyMaterial.status), desc(keyMaterial.createdAt), desc(keyMaterial.algorithm), asc(keyMaterial.id))
  );
}

export async function insertKeys(executor: Executor, keys: NewKey[]): Promise<void> {
  if (keys.length === 0) return;
  await executor.insert(keyMaterial).values(keys.map((k) => ({ ...k, publicJwk: k.publicJwk ?? null })));
}

/** Retires the active keys of a purpose (and algorithm); they stay published until `publishUntilSeconds` from now. */
export async function retireActiveKeys(
  executor: Executor,
  purpose: string,
  algorithm: string | null,
  publishUntilSeconds: number,
): Promise<number> {
  const retired = await executor
    .update(keyMaterial)
    .set({ status: 'retired', retiredAt: sql`now()`, publishUntil: sql`now() + make_interval(secs => ${publishUntilSeconds})` })
    .where(
      and(
        eq(keyMaterial.purpose, purpose),
        eq(keyMaterial.status, 'active'),
        algorithm === null ? sql`true` : eq(keyMaterial.algorithm, algorithm),
      ),
    )
    .returning({ id: keyMaterial.id });
  return retired.length;
}

/** A fingerprint of the live keys, so an instance notices another one rotated them. */
export async function keysFingerprint(executor: Executor, purposes: string[]): Promise<string> {
  const [row] = await executor
    .select({ f: sql<string>`coalesce(string_agg(${keyMaterial.id} || ':' || ${keyMaterial.status}, ',' order by ${keyMaterial.id}), '')` })
    .from(keyMaterial)
    .where(
      and(
        inArray(keyMaterial.purpose, purposes),
        or(
          eq(keyMaterial.status, 'active'),
          and(eq(keyMaterial.status, 'retired'), or(isNull(keyMaterial.publishUntil), gt(keyMaterial.publishUntil, sql`now()`))),
        ),
      ),
    );
  return row?.f ?? '';
}

/** Serialises first-start key generation across instances (transaction-scoped advisory lock). */
export async function lockKeyGeneration(executor: Executor): Promise<void> {
  await executor.execute(sql`select pg_advisory_xact_lock(7150011)`);
}

/** Every key of a purpose that is not gone: active, next (published ahead of use) and retired ones still published. */
export async function listPublishedKeys(executor: Executor, purpose: string): Promise<KeyRow[]> {
  return executor
    .select()
    .from(keyMaterial)
    .where(
      and(
        eq(keyMaterial.purpose, purpose),
        or(
          inArray(keyMaterial.status, ['active', 'next']),
          and(eq(keyMaterial.status, 'retired'), or(isNull(keyMaterial.publishUntil), gt(keyMaterial.publishUntil, sql`now()`))),
        ),
      ),
    )
    .orderBy(asc(keyMaterial.status), desc(keyMaterial.createdAt), asc(keyMaterial.id));
}

/** Moves a key of a purpose from one status to another (rotation: next → active). */
export async function setKeyStatus(executor: Executor, purpose: string, from: string, to: string): Promise<number> {
  const moved = await executor
    .update(keyMaterial)
    .set({ status: to })
    .where(and(eq(keyMaterial.purpose, purpose), eq(keyMaterial.status, from)))
    .returning({ id: keyMaterial.id });
  return moved.length;
}
