// Email OTP second factor: a 6-digit code mailed to the user's primary email, valid for a few minutes,
// for a few attempts, once. Only a salted SHA-256 of the code is stored: a 6-digit code cannot resist an
// offline search, so the short expiry and attempt limit are what protect it; the hash keeps it out of
// plain sight in backups and support queries. The clock is a parameter so tests can stand at any instant.
import { randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../domain/index.js';
import {
  recordAudit,
  hashToken,
  countEmailOtpsSince,
  findEmailOtpForUpdate,
  insertEmailOtp,
  recordEmailOtpAttempt,
  getUserById,
} from '../../store/index.js';
import type { Mailer } from './mailer.js';
import type { MfaStore } from './mfa-store.js';

export const EMAIL_OTP_TTL_SECONDS = 300;
export const EMAIL_OTP_MAX_ATTEMPTS = 5;
/** At most this many codes per user per window: each code allows 5 guesses, so issuing must be limited too. */
export const EMAIL_OTP_ISSUE_LIMIT = 5;
export const EMAIL_OTP_ISSUE_WINDOW_SECONDS = 900;

export interface EmailOtpDeps {
  store: MfaStore;
  /** null when SMTP is not configured. */
  mailer: Mailer | null;
}

export interface IssuedEmailOtp {
  challengeId: string;
  expiresAt: Date;
  /** The address with most of it hidden, to show on the page ("a•••@example.com"). */
  sentTo: string;
}

const codeHash = (challengeId: string, code: string) => hashToken(`${challengeId}:${code}`);

export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '•••';
  return `${email[0]}•••${email.slice(at)}`;
}

/** Creates a challenge for the user's primary email and mails its code. Earlier open challenges stop working. */
export async function issueEmailOtp(
  deps: EmailOtpDeps,
  userId: string,
  options: { now?: Date; appName?: string; ttlSeconds?: number; maxAttempts?: number } = {},
): Promise<IssuedEmailOtp> {
  if (!deps.mailer) throw new AppError('unavailable', 'email_otp_unavailable', 'Email OTP is not available: no mail server is configured');
  const now = options.now ?? new Date();
  const user = await getUserById(deps.store.db, userId);
  if (!user.primaryEmail) throw new AppError('conflict', 'email_otp_no_email', 'the account has no email address to send a code to');
  const challengeId = randomUUID();
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const ttl = options.ttlSeconds ?? EMAIL_OTP_TTL_SECONDS;
  const expiresAt = new Date(now.getTime() + ttl * 1000);
  await deps.store.transaction(async (tx) => {
    // Serialises issuing per user, so that concurrent requests cannot all pass the count.
    await getUserById(tx, userId, { forUpdate: true });
    const since = new Date(now.getTime() - EMAIL_OTP_ISSUE_WINDOW_SECONDS * 1000);
    if ((await countEmailOtpsSince(tx, userId, since)) >= EMAIL_OTP_ISSUE_LIMIT) {
      throw new AppError(
        'forbidden',
        'email_otp_rate_limited',
        'too many codes were sent to this account recently; wait a few minutes and try again',
      );
    }
    await insertEmailOtp(
      tx,
      {
        id: challengeId,
        userId,
        email: user.primaryEmail!,
        codeHash: codeHash(challengeId, code),
        maxAttempts: options.maxAttempts ?? EMAIL_OTP_MAX_ATTEMPTS,
        expiresAt,
      },
      now,
    );
    await recordAudit(tx, { actorType: 'system', action: 'mfa.email_otp.issue', targetType: 'user', targetId: userId, outcome: 'success' });
  });
  const minutes = Math.max(1, Math.round(ttl / 60));
  await deps.mailer.send({
    to: user.primaryEmail,
    subject: `Your sign-in code: ${code}`,
    text: `Your ${options.appName ?? 'jitbridge'} sign-in code is ${code}\n\nIt works once, for ${minutes} minute${minutes === 1 ? '' : 's'}. If you did not try to sign in, ignore this mail.\n`,
  });
  return { challengeId, expiresAt, sentTo: maskEmail(user.primaryEmail) };
}

export type EmailOtpCheck = { ok: true } | { ok: false; reason: 'not_found' | 'used' | 'expired' | 'too_many_attempts' | 'invalid_code' };

/** Checks a code against its challenge: right code, in time, within the attempts, not used before. */
export async function verifyEmailOtp(
  store: MfaStore,
  input: { challengeId: string; userId: string; code: string },
  options: { now?: Date } = {},
): Promise<EmailOtpCheck> {
  const now = options.now ?? new Date();
  return store.transaction(async (tx) => {
    const row = /^[0-9a-f-]{36}$/i.test(input.challengeId) ? await findEmailOtpForUpdate(tx, input.challengeId) : undefined;
    let result: EmailOtpCheck;
    if (!row || row.userId !== input.userId) result = { ok: false, reason: 'not_found' };
    else if (row.consumedAt) result = { ok: false, reason: 'used' };
    else if (now.getTime() >= row.expiresAt.getTime()) result = { ok: false, reason: 'expired' };
    else if (row.attempts >= row.maxAttempts) result = { ok: false, reason: 'too_many_attempts' };
    else {
      const presented = Buffer.from(codeHash(row.id, input.code.trim()), 'hex');
      const matches = timingSafeEqual(presented, Buffer.from(row.codeHash, 'hex'));
      await recordEmailOtpAttempt(tx, row.id, matches ? now : null);
      result = matches ? { ok: true } : { ok: false, reason: 'invalid_code' };
    }
    await recordAudit(tx, {
      actorType: 'user',
      actorId: input.userId,
      action: 'mfa.email_otp.verify',
      targetType: 'user',
      targetId: input.userId,
      outcome: result.ok ? 'success' : 'refused',
      reason: result.ok ? null : result.reason,
    });
    return result;
  });
}
