// Recovery codes: ten random single-use codes, shown once when TOTP is confirmed, kept only as SHA-256
// hashes (they are random, ~49 bits each, so a fast hash is right; a person never chooses them).
import { randomInt } from 'node:crypto';
import { AppError } from '../../domain/index.js';
import {
  recordAudit,
  type Executor,
  hashToken,
  consumeRecoveryCode,
  countUnusedRecoveryCodes,
  findTotp,
  replaceRecoveryCodes,
} from '../../store/index.js';
import type { MfaStore } from './mfa-store.js';

export const RECOVERY_CODE_COUNT = 10;
/** No 0/o, 1/l/i: codes are read off paper. */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const LENGTH = 10;

/** One code as shown: `xxxxx-xxxxx`. */
export function generateRecoveryCode(): string {
  let code = '';
  for (let i = 0; i < LENGTH; i += 1) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/** What is hashed: lower case without separators or spaces, so `ABCDE FGHJK` matches `abcde-fghjk`. */
export function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Replaces the user's codes with a new set; returns the plain codes (to show once). */
export async function issueRecoveryCodes(executor: Executor, userId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, generateRecoveryCode);
  await replaceRecoveryCodes(
    executor,
    userId,
    codes.map((c) => hashToken(normalizeRecoveryCode(c))),
  );
  return codes;
}

export type RecoveryCheck = { ok: true; remaining: number } | { ok: false; reason: 'invalid_code' };

/** Uses a recovery code in place of a TOTP code; each code works once. */
export async function useRecoveryCode(store: MfaStore, userId: string, code: string, options: { now?: Date } = {}): Promise<RecoveryCheck> {
  const now = options.now ?? new Date();
  return store.transaction(async (tx) => {
    const normalized = normalizeRecoveryCode(code);
    const ok = normalized.length === LENGTH && (await consumeRecoveryCode(tx, userId, hashToken(normalized), now));
    await recordAudit(tx, {
      actorType: 'user',
      actorId: userId,
      action: 'mfa.recovery_code.use',
      targetType: 'user',
      targetId: userId,
      outcome: ok ? 'success' : 'refused',
      reason: ok ? null : 'invalid_code',
    });
    return ok ? { ok: true, remaining: await countUnusedRecoveryCodes(tx, userId) } : { ok: false, reason: 'invalid_code' };
  });
}

/** New codes on request (the old set stops working); audited. */
export async function regenerateRecoveryCodes(store: MfaStore, userId: string): Promise<string[]> {
  return store.transaction(async (tx) => {
    const totp = await findTotp(tx, userId);
    if (!totp?.confirmedAt) throw new AppError('conflict', 'totp_not_enrolled', 'recovery codes come with a confirmed TOTP authenticator');
    const codes = await issueRecoveryCodes(tx, userId);
    await recordAudit(tx, {
      actorType: 'user',
      actorId: userId,
      action: 'mfa.recovery_code.regenerate',
      targetType: 'user',
      targetId: userId,
      outcome: 'success',
    });
    return codes;
  });
}
