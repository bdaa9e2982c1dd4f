// Persistence of second factors: the TOTP authenticator (sealed secret, last accepted time step), recovery
// codes (hashed, single use) and Email OTP challenges (hashed code, expiry, attempts). Every "use once"
// rule is one conditional UPDATE, so two instances checking the same code at once accept it only once.
import { and, count, eq, gte, isNull, lt, or, sql } from 'drizzle-orm';
import { queryRows, type Executor } from './database.js';
import { mfaEmailOtps, mfaRecoveryCodes, mfaTotp, type MfaEmailOtpRow, type MfaTotpRow } from './schema/index.js';

export async function findTotp(executor: Executor, userId: string): Promise<MfaTotpRow | undefined> {
  const [row] = await executor.select().from(mfaTotp).where(eq(mfaTotp.userId, userId));
  return row;
}

/** Keeps a new, unconfirmed secret beside the confirmed one (which goes on working until the new one is confirmed). */
export async function savePendingTotp(executor: Executor, userId: string, sealedSecret: string, now: Date): Promise<void> {
  await executor
    .insert(mfaTotp)
    .values({ userId, pendingSecretEncrypted: sealedSecret, pendingCreatedAt: now })
    .onConflictDoUpdate({
      target: mfaTotp.userId,
      set: { pendingSecretEncrypted: sealedSecret, pendingCreatedAt: now, updatedAt: sql`now()` },
    });
}

/**
 * Makes the pending secret the active one, remembering the time step of the confirming code. Only if the
 * pending secret is still the one that was checked (a second enrolment in between wins). `activeSealedSecret` is the
 * same secret sealed again for the active column (a sealed value is bound to its column).
 */
export async function confirmPendingTotp(
  executor: Executor,
  userId: string,
  checkedSealedSecret: string,
  activeSealedSecret: string,
  timeStep: number,
  now: Date,
): Promise<boolean> {
  const result = await executor
    .update(mfaTotp)
    .set({
      secretEncrypted: activeSealedSecret,
      confirmedAt: now,
      lastTimeStep: timeStep,
      pendingSecretEncrypted: null,
      pendingCreatedAt: null,
      updatedAt: sql`now()`,
    })
    .where(and(eq(mfaTotp.userId, userId), eq(mfaTotp.pendingSecretEncrypted, checkedSealedSecret)))
    .returning({ userId: mfaTotp.userId });
  return result.length === 1;
}

/**
 * Records an accepted code's time step (and clears the failure count); false when that step or a later one
 * was already used (a replay).
 */
export async function advanceTotpTimeStep(executor: Executor, userId: string, timeStep: number): Promise<boolean> {
  const result = await executor
    .update(mfaTotp)
    .set({ lastTimeStep: timeStep, failedAttempts: 0, blockedUntil: null, updatedAt: sql`now()` })
    .where(and(eq(mfaTotp.userId, userId), or(isNull(mfaTotp.lastTimeStep), lt(mfaTotp.lastTimeStep, timeStep))))
    .returning({ userId: mfaTotp.userId });
  return result.length === 1;
}

/** Wrong codes in a row before checks pause; each further fifth doubles the pause (5 min, 10, 20, … 1 h). */
export const TOTP_FAILURES_BEFORE_BLOCK = 5;

/** Counts a wrong (or replayed) code; every fifth in a row blocks checks for a while. Returns the block, if any. */
export async function recordTotpFailure(
  executor: Executor,
  userId: string,
  now: Date,
): Promise<{ failedAttempts: number; blockedUntil: Date | null }> {
  const [row] = await queryRows<{ failed_attempts: number; blocked_until: Date | string | null }>(
    executor,
    sql`update mfa_totp
        set failed_attempts = failed_attempts + 1,
            blocked_until = case when (failed_attempts + 1) % ${TOTP_FAILURES_BEFORE_BLOCK} = 0
              then ${now.toISOString()}::timestamptz
                   + make_interval(secs => least(3600, 300 * power(2, (failed_attempts + 1) / ${TOTP_FAILURES_BEFORE_BLOCK} - 1)))
              else blocked_until end,
            updated_at = now()
        where user_id = ${userId}
        returning failed_attempts, blocked_until`,
  );
  return { failedAttempts: row?.failed_attempts ?? 0, blockedUntil: row?.blocked_until ? new Date(row.blocked_until) : null };
}

/** Removes the authenticator and its recovery codes (an admin reset, or the person turning TOTP off). */
export async function deleteTotp(executor: Executor, userId: string): Promise<boolean> {
  const removed = await executor.delete(mfaTotp).where(eq(mfaTotp.userId, userId)).returning({ userId: mfaTotp.userId });
  await executor.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, userId));
  return removed.length === 1;
}

/** Replaces the user's recovery codes with a new set (their SHA-256 hashes). */
export async function replaceRecoveryCodes(executor: Executor, userId: string, codeHashes: readonly string[]): Promise<void> {
  await executor.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, userId));
  if (codeHashes.length > 0) await executor.insert(mfaRecoveryCodes).values(codeHashes.map((codeHash) => ({ userId, codeHash })));
}

/** Marks an unused code used; false when no such unused code exists. */
export async function consumeRecoveryCode(executor: Executor, userId: string, codeHash: string, now: Date): Promise<boolean> {
  const result = await executor
    .update(mfaRecoveryCodes)
    .set({ usedAt: now })
    .where(and(eq(mfaRecoveryCodes.userId, userId), eq(mfaRecoveryCodes.codeHash, codeHash), isNull(mfaRecoveryCodes.usedAt)))
    .returning({ id: mfaRecoveryCodes.id });
  return result.length === 1;
}

export async function countUnusedRecoveryCodes(executor: Executor, userId: string): Promise<number> {
  const [row] = await executor
    .select({ n: count() })
    .from(mfaRecoveryCodes)
    .where(and(eq(mfaRecoveryCodes.userId, userId), isNull(mfaRecoveryCodes.usedAt)));
  return Number(row?.n ?? 0);
}

export interface NewEmailOtp {
  /** Chosen by the caller: it salts the code's hash. */
  id: string;
  userId: string;
  email: string;
  codeHash: string;
  maxAttempts: number;
  expiresAt: Date;
}

/** Stores a challenge and retires the user's earlier open ones (only the newest code works). */
export async function insertEmailOtp(executor: Executor, otp: NewEmailOtp, now: Date): Promise<void> {
  await executor
    .update(mfaEmailOtps)
    .set({ consumedAt: now })
    .where(and(eq(mfaEmailOtps.userId, otp.userId), isNull(mfaEmailOtps.consumedAt)));
  await executor.insert(mfaEmailOtps).values({ ...otp, createdAt: now });
}

/** Challenges issued to the user since `since` (the issue rate limit). */
export async function countEmailOtpsSince(executor: Executor, userId: string, since: Date): Promise<number> {
  const [row] = await executor
    .select({ n: count() })
    .from(mfaEmailOtps)
    .where(and(eq(mfaEmailOtps.userId, userId), gte(mfaEmailOtps.createdAt, since)));
  return Number(row?.n ?? 0);
}

export async function findEmailOtpForUpdate(executor: Executor, id: string): Promise<MfaEmailOtpRow | undefined> {
  const [row] = await executor.select().from(mfaEmailOtps).where(eq(mfaEmailOtps.id, id)).for('update');
  return row;
}

/** Counts one attempt; a right code also consumes the challenge. */
export async function recordEmailOtpAttempt(executor: Executor, id: string, consumedAt: Date | null): Promise<void> {
  await executor
    .update(mfaEmailOtps)
    .set({ attempts: sql`${mfaEmailOtps.attempts} + 1`, ...(consumedAt ? { consumedAt } : {}) })
    .where(eq(mfaEmailOtps.id, id));
}

/** Expired challenges are kept a day (for support), then removed by the periodic sweep. */
export async function sweepEmailOtps(executor: Executor, now: Date): Promise<void> {
  await executor.delete(mfaEmailOtps).where(lt(mfaEmailOtps.expiresAt, new Date(now.getTime() - 86_400_000)));
}
