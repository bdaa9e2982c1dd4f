// Step: the second step's pages at /login/:uid/mfa: the code page (TOTP, recovery code, Email OTP), TOTP
// enrolment with its QR code and the recovery codes shown once, and a switch between the factors the step offers
// (a ready factor first, enrolment last). Passing it ends the interaction signed in with amr otp + mfa.
import { AppError } from '../../domain/index.js';
import {
  beginTotpEnrolment,
  confirmTotpEnrolment,
  currentTotpEnrolment,
  issueEmailOtp,
  useRecoveryCode,
  verifyEmailOtp,
  verifyTotp,
} from '../../accounts/index.js';
import { mfaCodePage } from '../mfa/mfa-code-page.js';
import { recoveryCodesPage, totpEnrolPage } from '../mfa/totp-enrol-page.js';
import { completeSignIn, refuse } from './hand-off.js';
import { loadInteraction } from './load-interaction.js';
import { dropPendingMfa, mailerOf, mfaStepPath, readPendingMfa, savePendingMfa, type Factor, type PendingMfa } from './mfa.js';
import { csrfOf, csrfValid } from './pages.js';
import type { C, LoginDeps, Step } from './types.js';

/** The interaction and its pending second step, or the page that ends the request. */
async function loadPending(deps: LoginDeps, c: C): Promise<{ step: Step; pending: PendingMfa } | Response> {
  const step = await loadInteraction(deps, c);
  if (step instanceof Response) return step;
  const pending = await readPendingMfa(deps, step.interaction.uid);
  if (!pending || (!pending.userId && !pending.blocked)) {
    return refuse(deps, c, step, {
      title: 'This sign-in has expired',
      message: 'The second step of this sign-in is not waiting any more. Go back to the application and sign in again.',
      description: 'no second step pending for this interaction',
    });
  }
  return { step, pending };
}

async function pass(deps: LoginDeps, c: C, step: Step, pending: PendingMfa) {
  await dropPendingMfa(deps, step.interaction.uid);
  const amr = [...new Set([...(pending.authn.amr ?? []), 'otp', 'mfa'])];
  const to = await completeSignIn(deps, step, { idpId: pending.idpId, accountId: pending.accountId, authn: { ...pending.authn, amr } });
  return c.redirect(to, 303);
}

/** Renders the screen the pending state is on (issuing the mail or the enrolment secret when it starts). */
async function render(deps: LoginDeps, c: C, step: Step, pending: PendingMfa, error: string | null = null, status: 200 | 400 = 200) {
  const { ctx } = deps;
  const uid = step.interaction.uid;
  const action = mfaStepPath(uid);
  const userId = pending.userId!;
  const headers = { 'cache-control': 'no-store' };
  // Every other factor the step offers, enrolment included: a person who has not set up TOTP yet may choose to,
  // even when Email OTP (ready, so shown first) would do.
  const alternatives = pending.factors.filter((f) => f !== pending.screen);
  if (pending.screen === 'TOTP_ENROL') {
    // A first visit starts the enrolment; a retry after a wrong code shows the same secret again.
    const options = { issuer: new URL(ctx.config.publicUrl).host };
    const enrolment = error ? await currentTotpEnrolment(ctx.store, userId, options) : await beginTotpEnrolment(ctx.store, userId, options);
    const page = await totpEnrolPage({
      appName: step.app.name,
      action,
      csrfToken: csrfOf(step),
      qrCodeDataUrl: enrolment.qrCodeDataUrl,
      secret: enrolment.secret,
      alternatives,
      error,
    });
    return c.html(page, status, headers);
  }
  if (pending.screen === 'RECOVERY_SHOWN') return c.redirect(action, 303);
  if (pending.screen === 'EMAIL_OTP' && !pending.emailChallengeId) {
    try {
      const issued = await issueEmailOtp({ store: ctx.store, mailer: mailerOf(ctx) }, userId, { appName: step.app.name });
      pending.emailChallengeId = issued.challengeId;
      pending.sentTo = issued.sentTo;
      await savePendingMfa(deps, uid, pending);
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      error = e.message;
      status = 400;
    }
  }
  const page = await mfaCodePage({
    appName: step.app.name,
    action,
    csrfToken: csrfOf(step),
    factor: pending.screen as Factor,
    sentTo: pending.sentTo ?? null,
    alternatives,
    error,
  });
  return c.html(page, status, headers);
}

/** GET /login/:uid/mfa: the current screen, or the refusal a blocked step waits with. */
export async function showSecondStep(deps: LoginDeps, c: C): Promise<Response> {
  const loaded = await loadPending(deps, c);
  if (loaded instanceof Response) return loaded;
  const { step, pending } = loaded;
  if (pending.blocked) {
    await dropPendingMfa(deps, step.interaction.uid);
    const { title, message, code } = pending.blocked;
    return refuse(deps, c, step, { title, message, description: `${code}: ${message}` });
  }
  return render(deps, c, step, pending);
}

const TOTP_MESSAGES = {
  replayed: 'That code was already used. Wait for the next code from your authenticator app.',
  too_many_attempts: 'Too many wrong codes. Wait a few minutes before trying again.',
  invalid_code: 'That code is not right. Check the time on your phone and enter the current code.',
};

/** POST /login/:uid/mfa: a switch of factor, an enrolment's first code, or a code. */
export async function answerSecondStep(deps: LoginDeps, c: C): Promise<Response> {
  const { ctx } = deps;
  const loaded = await loadPending(deps, c);
  if (loaded instanceof Response) return loaded;
  const { step, pending } = loaded;
  const uid = step.interaction.uid;
  if (pending.blocked) return c.redirect(mfaStepPath(uid), 303);
  const form = await c.req.parseBody();
  if (!csrfValid(step, form.csrf))
    return render(deps, c, step, pending, 'The form was out of date or did not come from this site. Try again.', 400);
  const userId = pending.userId!;
  const switchTo = typeof form.switch === 'string' ? form.switch : '';
  if (switchTo) {
    if (!(pending.factors as string[]).includes(switchTo) || pending.screen === 'RECOVERY_SHOWN')
      return render(deps, c, step, pending, 'That method is not available.', 400);
    pending.screen = switchTo as PendingMfa['screen'];
    pending.emailChallengeId = null;
    await savePendingMfa(deps, uid, pending);
    return c.redirect(mfaStepPath(uid), 303);
  }
  if (pending.screen === 'RECOVERY_SHOWN') return pass(deps, c, step, pending);
  const code = typeof form.code === 'string' ? form.code.replace(/\s+/g, '') : '';
  if (pending.screen === 'TOTP_ENROL') {
    try {
      const { recoveryCodes } = await confirmTotpEnrolment(ctx.store, userId, code);
      // The first code proves the authenticator: it passes this step once the codes are acknowledged.
      pending.screen = 'RECOVERY_SHOWN';
      await savePendingMfa(deps, uid, pending);
      const page = await recoveryCodesPage({ action: mfaStepPath(uid), csrfToken: csrfOf(step), codes: recoveryCodes });
      return c.html(page, 200, { 'cache-control': 'no-store' });
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      return render(deps, c, step, pending, e.message, 400);
    }
  }
  if (pending.screen === 'TOTP') {
    const check = await verifyTotp(ctx.store, userId, code);
    if (check.ok) return pass(deps, c, step, pending);
    const reason = check.reason === 'replayed' || check.reason === 'too_many_attempts' ? check.reason : 'invalid_code';
    return render(deps, c, step, pending, TOTP_MESSAGES[reason], 400);
  }
  if (pending.screen === 'RECOVERY_CODE') {
    const check = await useRecoveryCode(ctx.store, userId, code);
    if (check.ok) return pass(deps, c, step, pending);
    return render(deps, c, step, pending, 'That recovery code is not right or was already used.', 400);
  }
  const check = await verifyEmailOtp(ctx.store, { challengeId: pending.emailChallengeId ?? '', userId, code });
  if (check.ok) return pass(deps, c, step, pending);
  const message =
    check.reason === 'invalid_code'
      ? 'That code is not right. Check the latest mail and try again.'
      : 'That code no longer works; a new one is on its way.';
  if (check.reason !== 'invalid_code') {
    pending.emailChallengeId = null;
    await savePendingMfa(deps, uid, pending);
  }
  return render(deps, c, step, pending, message, 400);
}
