// Provisionings paused on a prompt. The federation edge (or the interaction) saves the verified identity
// when the JIT scheme prompts; each answer is recorded; the transaction that finally provisions consumes
// the row, so a paused provisioning completes at most once.
import { randomBytes } from 'node:crypto';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { FederatedIdentity } from '../domain/index.js';
import type { Executor } from './database.js';
import { pendingProvisionings } from './schema/index.js';

/** Answers collected so far; a password only ever as its hash. */
export interface PendingAnswers {
  username?: string;
  passwordHash?: string;
}

export interface PendingProvisioning {
  id: string;
  interactionUid: string;
  idpId: string;
  identity: FederatedIdentity;
  answers: PendingAnswers;
  expiresAt: Date;
}

const DEFAULT_TTL_SECONDS = 15 * 60;

export async function savePendingProvisioning(
  executor: Executor,
  input: { interactionUid: string; identity: FederatedIdentity; ttlSeconds?: number },
): Promise<PendingProvisioning> {
  const id = randomBytes(24).toString('base64url');
  const [row] = await executor
    .insert(pendingProvisionings)
    .values({
      id,
      interactionUid: input.interactionUid,
      idpId: input.identity.idpId,
      identity: input.identity,
      answers: {},
      expiresAt: sql`now() + make_interval(secs => ${input.ttlSeconds ?? DEFAULT_TTL_SECONDS})`,
    })
    .returning();
  return toPending(row!);
}

const toPending = (row: typeof pendingProvisionings.$inferSelect): PendingProvisioning => ({
  id: row.id,
  interactionUid: row.interactionUid,
  idpId: row.idpId,
  identity: row.identity as FederatedIdentity,
  answers: row.answers as PendingAnswers,
  expiresAt: row.expiresAt,
});

const live = (id: string, interactionUid: string) =>
  and(
    eq(pendingProvisionings.id, id),
    eq(pendingProvisionings.interactionUid, interactionUid),
    isNull(pendingProvisionings.consumedAt),
    gt(pendingProvisionings.expiresAt, sql`now()`),
  );

/** The paused provisioning, if it is this interaction's, not finished and not expired. */
export async function findPendingProvisioning(
  executor: Executor,
  id: string,
  interactionUid: string,
): Promise<PendingProvisioning | undefined> {
  if (id.length > 100) return undefined;
  const [row] = await executor.select().from(pendingProvisionings).where(live(id, interactionUid));
  return row && toPending(row);
}

/**
 * By id alone, for the external pages' completion endpoint: the context token names the row, and that
 * cross-site post carries no interaction cookie. The id is 192 random bits; the token's signature is what
 * proves the post came through our redirect.
 */
export async function findPendingProvisioningById(executor: Executor, id: string): Promise<PendingProvisioning | undefined> {
  if (id.length > 100) return undefined;
  const [row] = await executor
    .select()
    .from(pendingProvisionings)
    .where(and(eq(pendingProvisionings.id, id), isNull(pendingProvisionings.consumedAt), gt(pendingProvisionings.expiresAt, sql`now()`)));
  return row && toPending(row);
}

/** Merges answers into the row (a later answer replaces an earlier one of the same name). */
export async function recordPendingAnswers(
  executor: Executor,
  id: string,
  interactionUid: string,
  answers: PendingAnswers,
): Promise<boolean> {
  const updated = await executor
    .update(pendingProvisionings)
    .set({ answers: sql`${pendingProvisionings.answers} || ${JSON.stringify(answers)}::jsonb` })
    .where(live(id, interactionUid))
    .returning({ id: pendingProvisionings.id });
  return updated.length === 1;
}

/** Marks it done, in the provisioning transaction; false when it was already done or has expired. */
export async function consumePendingProvisioning(executor: Executor, id: string, interactionUid: string): Promise<boolean> {
  const consumed = await executor
    .update(pendingProvisionings)
    .set({ consumedAt: sql`now()` })
    .where(live(id, interactionUid))
    .returning({ id: pendingProvisionings.id });
  return consumed.length === 1;
}

/** Removes expired and finished rows (idempotent). */
export async function sweepPendingProvisionings(executor: Executor): Promise<void> {
  await executor.execute(sql`delete from pending_provisionings where expires_at < now() or consumed_at < now() - interval '1 hour'`);
}
