// TOTP second factor (RFC 6238, via otplib): enrolment (a sealed secret, an otpauth:// URI and its QR code,
// confirmed by a first valid code), verification within ±1 time step with replay refusal (the last accepted
// step is remembered per user, RFC 6238 §5.2), and single-use recovery codes issued on confirmation.
// The login pages call these; the clock is a parameter so tests can stand at any instant.
import { generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';
import { AppError, notFound, assertMfaEnrolmentAllowed } from '../../domain/index.js';
import {
  recordAudit,
  advanceTotpTimeStep,
  confirmPendingTotp,
  sealedPlaces,
  recordTotpFailure,
  countUnusedRecoveryCodes,
  deleteTotp,
  findTotp,
  savePendingTotp,
  readSettings,
  getUserById,
} from '../../store/index.js';
import type { MfaStore } from './mfa-store.js';
import { issueRecoveryCodes } from './recovery-codes.js';

/** RFC 6238 defaults every authenticator app understands: SHA-1, 6 digits, 30 s. */
export const TOTP_PERIOD_SECONDS = 30;
/** Accept the previous and the next step too (RFC 6238 §5.2 recommends at most one step of drift). */
const TOLERANCE_SECONDS = TOTP_PERIOD_SECONDS;

export interface ClockOption {
  now?: Date;
}

export interface TotpEnrolment {
  /** The base32 secret, for people who type it in instead of scanning. */
  secret: string;
  otpauthUri: string;
  /** The otpauth URI as a QR code, a `data:image/png;base64,…` URL for an <img> (the CSP allows data: images). */
  qrCodeDataUrl: string;
}

const epochSeconds = (now: Date) => Math.floor(now.getTime() / 1000);

/**
 * Starts (or restarts) an enrolment: a new secret is kept pending until `confirmTotpEnrolment`; an
 * authenticator already confirmed keeps working meanwhile. `issuer` is what the app shows (e.g. the host).
 */
export async function beginTotpEnrolment(store: MfaStore, userId: string, options: { issuer: string; now?: Date }): Promise<TotpEnrolment> {
  const now = options.now ?? new Date();
  const user = await getUserById(store.db, userId);
  assertMfaEnrolmentAllowed(await readSettings(store.db), user);
  const secret = generateSecret();
  const otpauthUri = generateURI({ issuer: options.issuer, label: user.userName, secret });
  await savePendingTotp(store.db, userId, store.secrets.seal(secret, sealedPlaces.totpPending(userId)), now);
  const qrCodeDataUrl = await QRCode.toDataURL(otpauthUri, { errorCorrectionLevel: 'M', margin: 2, width: 240 });
  return { secret, otpauthUri, qrCodeDataUrl };
}

/**
 * The enrolment already pending, shown again (after a mistyped first code, the person keeps the account
 * they just scanned); a new one when none is pending.
 */
export async function currentTotpEnrolment(
  store: MfaStore,
  userId: string,
  options: { issuer: string; now?: Date },
): Promise<TotpEnrolment> {
  const row = await findTotp(store.db, userId);
  if (!row?.pendingSecretEncrypted) return beginTotpEnrolment(store, userId, options);
  const user = await getUserById(store.db, userId);
  assertMfaEnrolmentAllowed(await readSettings(store.db), user);
  const secret = store.secrets.open(row.pendingSecretEncrypted, sealedPlaces.totpPending(userId));
  const otpauthUri = generateURI({ issuer: options.issuer, label: user.userName, secret });
  const qrCodeDataUrl = await QRCode.toDataURL(otpauthUri, { errorCorrectionLevel: 'M', margin: 2, width: 240 });
  return { secret, otpauthUri, qrCodeDataUrl };
}

export interface ConfirmedEnrolment {
  /** Shown once, never again: only their hashes are kept. */
  recoveryCodes: string[];
}

/** Confirms the pending secret with a first code from the app; issues a fresh set of recovery codes. */
export async function confirmTotpEnrolment(
  store: MfaStore,
  userId: string,
  code: string,
  options: ClockOption = {},
): Promise<ConfirmedEnrolment> {
  const now = options.now ?? new Date();
  return store.transaction(async (tx) => {
    const row = await findTotp(tx, userId);
    if (!row?.pendingSecretEncrypted)
      throw new AppError('conflict', 'totp_no_pending_enrolment', 'there is no TOTP enrolment to confirm; start one first');
    const pendingSecret = store.secrets.open(row.pendingSecretEncrypted, sealedPlaces.totpPending(userId));
    const matched = await checkCode(pendingSecret, code, now);
    if (matched === null) {
      await recordAudit(tx, {
        actorType: 'user',
        actorId: userId,
        action: 'mfa.totp.enrol',
        targetType: 'user',
        targetId: userId,
        outcome: 'refused',
        reason: 'invalid_code',
      });
      throw new AppError(
        'invalid_input',
        'totp_invalid_code',
        'the code does not match; check the time on the device and try the current code',
      );
    }
    if (
      !(await confirmPendingTotp(
        tx,
        userId,
        row.pendingSecretEncrypted,
        store.secrets.seal(pendingSecret, sealedPlaces.totpSecret(userId)),
        matched,
        now,
      ))
    ) {
      throw new AppError('conflict', 'totp_enrolment_changed', 'another enrolment was started meanwhile; confirm the newest one');
    }
    const recoveryCodes = await issueRecoveryCodes(tx, userId);
    await recordAudit(tx, {
      actorType: 'user',
      actorId: userId,
      action: 'mfa.totp.enrol',
      targetType: 'user',
      targetId: userId,
      outcome: 'success',
    });
    return { recoveryCodes };
  });
}

export type TotpCheck =
  | { ok: true; timeStep: number }
  | { ok: false; reason: 'not_enrolled' | 'invalid_code' | 'replayed' }
  /** Too many wrong codes in a row: no code is checked before `blockedUntil` (a 6-digit code must not be guessable). */
  | { ok: false; reason: 'too_many_attempts'; blockedUntil: Date };

/**
 * Checks a code at sign-in. A code of a time step already used (or earlier) is refused even though it is
 * "valid"; wrong and replayed codes count towards a pause (TOTP_FAILURES_BEFORE_BLOCK).
 */
export async function verifyTotp(store: MfaStore, userId: string, code: string, options: ClockOption = {}): Promise<TotpCheck> {
  const now = options.now ?? new Date();
  const row = await findTotp(store.db, userId);
  if (!row?.secretEncrypted || !row.confirmedAt) return { ok: false, reason: 'not_enrolled' };
  let result: TotpCheck;
  if (row.blockedUntil && row.blockedUntil.getTime() > now.getTime()) {
    result = { ok: false, reason: 'too_many_attempts', blockedUntil: row.blockedUntil };
  } else {
    const timeStep = await checkCode(store.secrets.open(row.secretEncrypted, sealedPlaces.totpSecret(row.userId)), code, now);
    if (timeStep === null) result = { ok: false, reason: 'invalid_code' };
    // The conditional update is the replay check: of two requests with one code, only one advances the step.
    else if (!(await advanceTotpTimeStep(store.db, userId, timeStep))) result = { ok: false, reason: 'replayed' };
    else result = { ok: true, timeStep };
    if (!result.ok) await recordTotpFailure(store.db, userId, now);
  }
  await recordAudit(store.db, {
    actorType: 'user',
    actorId: userId,
    action: 'mfa.totp.verify',
    targetType: 'user',
    targetId: userId,
    outcome: result.ok ? 'success' : 'refused',
    reason: result.ok ? null : result.reason,
  });
  return result;
}

export interface TotpStatus {
  enrolled: boolean;
  confirmedAt: Date | null;
  pending: boolean;
  recoveryCodesLeft: number;
}

export async function totpStatus(store: MfaStore, userId: string): Promise<TotpStatus> {
  const row = await findTotp(store.db, userId);
  return {
    enrolled: Boolean(row?.secretEncrypted && row.confirmedAt),
    confirmedAt: row?.confirmedAt ?? null,
    pending: Boolean(row?.pendingSecretEncrypted),
    recoveryCodesLeft: await countUnusedRecoveryCodes(store.db, userId),
  };
}

/** Removes TOTP and recovery codes (the person turning it off, or an admin reset); audited with who did it. */
export async function removeTotp(store: MfaStore, userId: string, actor: { type: 'admin' | 'user'; id: string | null }): Promise<void> {
  await store.transaction(async (tx) => {
    if (!(await deleteTotp(tx, userId))) throw notFound('totp_not_enrolled', `user ${userId} has no TOTP authenticator`);
    await recordAudit(tx, {
      actorType: actor.type,
      actorId: actor.id,
      action: 'mfa.totp.remove',
      targetType: 'user',
      targetId: userId,
      outcome: 'success',
    });
  });
}

/** The RFC 6238 time step the code belongs to (within ±1 step of `now`), or null when it matches none. */
async function checkCode(secret: string, code: string, now: Date): Promise<number | null> {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return null;
  const result = await verify({ secret, token, epoch: epochSeconds(now), period: TOTP_PERIOD_SECONDS, epochTolerance: TOLERANCE_SECONDS });
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}
