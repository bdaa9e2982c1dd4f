// The second step of a sign-in (the app's signInFlow, src/domain/sign-in-flow.ts): where the interaction
// would finish after step 1 (a federated login or LOCAL), `intercept` asks accounts/mfa/second-factor.ts;
// on a challenge the browser goes to /login/:uid/mfa (code page, TOTP enrolment with QR code and recovery
// codes shown once, Email OTP), on blocked to a refusal that hands the app access_denied. The pending sign-in
// lives in the store (oidc_payloads, keyed by the interaction uid), so any instance can finish it. RFC 6238, RFC 8176 (amr).
// Before any of that, a deactivated or locked account is refused here too (every way to finish passes by).
import { Hono, type Context } from 'hono';
import { type AuthnContext, AppError, type CompletedStep, type SignInFlow } from '../domain/index.js';
import type { AppContext, AppEnv } from '../http/index.js';
import { mfaCodePage, recoveryCodesPage, totpEnrolPage } from '../login/index.js';
import {
  issueEmailOtp,
  verifyEmailOtp,
  createMailer,
  type Mailer,
  useRecoveryCode,
  decideSecondFactor,
  type FactorOption,
  beginTotpEnrolment,
  confirmTotpEnrolment,
  currentTotpEnrolment,
  verifyTotp,
} from '../accounts/index.js';
import { destroyOidcPayload, findOidcPayload, upsertOidcPayload, findAccountUser } from '../store/index.js';
import { TTL } from './provider.js';

type C = Context<AppEnv>;

/** What finishing the interaction needs once the second step is passed. */
export interface PendingSignIn {
  idpId: string;
  accountId: string;
  authn: Partial<AuthnContext>;
}

type Factor = 'TOTP' | 'EMAIL_OTP' | 'RECOVERY_CODE';

interface PendingMfa extends PendingSignIn {
  userId: string | null;
  /** What the page shows now: a factor, TOTP enrolment, or the recovery codes after enrolment. */
  screen: Factor | 'TOTP_ENROL' | 'RECOVERY_SHOWN';
  /** The factors this person may switch between. */
  factors: Array<Factor | 'TOTP_ENROL'>;
  emailChallengeId?: string | null;
  sentTo?: string | null;
  blocked?: { code: string; title: string; message: string } | null;
}

/** The interaction as this module sees it (interaction.ts provides it). */
export interface MfaHostStep {
  uid: string;
  appName: string;
  /** The app's flow as stored (validated by the admin API when saved). */
  signInFlow: { steps: unknown[] };
  csrfToken: string;
  csrfValid(token: unknown): boolean;
}

export interface MfaHost {
  load(c: C): Promise<MfaHostStep | Response>;
  /** Records the login on the interaction (no second look at MFA); returns where the browser goes. */
  complete(c: C, step: MfaHostStep, pending: PendingSignIn): Promise<string>;
  refuse(c: C, step: MfaHostStep, title: string, message: string, description: string): Promise<Response>;
}

const MODEL = 'PendingMfa';
export const mfaStepPath = (uid: string) => `/login/${encodeURIComponent(uid)}/mfa`;
const mailers = new WeakMap<AppContext, Mailer | null>();
function mailerOf(ctx: AppContext): Mailer | null {
  if (!mailers.has(ctx)) mailers.set(ctx, createMailer(ctx.config));
  return mailers.get(ctx)!;
}

/** Factors a decision offers, in the order they are tried first: a ready factor before an enrolment. */
function factorsOf(usable: FactorOption[]): Array<Factor | 'TOTP_ENROL'> {
  const list: Array<Factor | 'TOTP_ENROL'> = [];
  for (const option of usable) {
    if (option.authenticator === 'TOTP' && option.state === 'ready') list.push('TOTP', 'RECOVERY_CODE');
    else if (option.authenticator === 'TOTP' && option.state === 'needs_enrolment') list.push('TOTP_ENROL');
    else if (option.authenticator === 'EMAIL_OTP' && option.state === 'ready') list.push('EMAIL_OTP');
  }
  return list.sort((a, b) => Number(a === 'TOTP_ENROL') - Number(b === 'TOTP_ENROL'));
}

export function mfaStep(ctx: AppContext, host: MfaHost) {
  const save = (uid: string, pending: PendingMfa) => upsertOidcPayload(ctx.store.db, MODEL, uid, { ...pending }, TTL.Interaction);
  const read = async (uid: string) => (await findOidcPayload(ctx.store.db, MODEL, uid)) as unknown as PendingMfa | undefined;

  /**
   * Where the interaction would finish: null when no further step applies (finish now), else the path of
   * the MFA page (which also shows a refusal when the step cannot be passed).
   */
  async function intercept(
    step: { uid: string; signInFlow: { steps: unknown[] } },
    signIn: PendingSignIn,
    /** The caller read the account active and unlocked during this sign-in (its provisioning did). */
    accountUsable = false,
  ): Promise<string | null> {
    const flow = step.signInFlow as SignInFlow;
    if (accountUsable && flow.steps.length < 2) return null;
    // A JIT-disabled IdP signs in a pairwise account (not a uuid): there is no local user to hold a factor, and
    // findAccountUser answers undefined for it without a query.
    const user = await findAccountUser(ctx.store.db, signIn.accountId);
    const userId = user ? user.id : null;
    // A deactivated or locked account must not finish: oidc-provider would find no account at the resume
    // and fail with a 500; the person gets a clear refusal and the app access_denied instead.
    if (user && (!user.active || user.locked)) {
      const code = user.active ? 'account_locked' : 'account_inactive';
      const message = user.active
        ? 'Your account is locked. Ask your administrator to unlock it.'
        : 'Your account is not active. Ask your administrator to activate it.';
      await save(step.uid, {
        ...signIn,
        userId,
        screen: 'TOTP',
        factors: [],
        blocked: { code, title: 'You could not be signed in', message },
      });
      return mfaStepPath(step.uid);
    }
    if (flow.steps.length < 2) return null;
    const first: CompletedStep = signIn.idpId === 'LOCAL' ? { step: 1, authenticator: 'LOCAL' } : { step: 1, idp: signIn.idpId };
    const decision = await decideSecondFactor(
      { store: ctx.store, emailOtpAvailable: mailerOf(ctx) !== null },
      { flow, completed: [first], userId },
    );
    if (decision.kind === 'done') return null;
    const pending: PendingMfa =
      decision.kind === 'blocked'
        ? {
            ...signIn,
            userId,
            screen: 'TOTP',
            factors: [],
            blocked: { code: decision.code, title: 'A second step is needed', message: decision.message },
          }
        : (() => {
            const factors = factorsOf(decision.usable);
            return { ...signIn, userId, screen: factors[0]!, factors, blocked: null };
          })();
    await save(step.uid, pending);
    return mfaStepPath(step.uid);
  }

  const routes = new Hono<AppEnv>();

  async function loadAll(c: C) {
    const step = await host.load(c);
    if (step instanceof Response) return step;
    const pending = await read(step.uid);
    if (!pending || !pending.userId) {
      if (pending?.blocked) return { step, pending };
      return host.refuse(
        c,
        step,
        'This sign-in has expired',
        'The second step of this sign-in is not waiting any more. Go back to the application and sign in again.',
        'no second step pending for this interaction',
      );
    }
    return { step, pending };
  }

  async function finish(c: C, step: MfaHostStep, pending: PendingMfa) {
    await destroyOidcPayload(ctx.store.db, MODEL, step.uid);
    const amr = [...new Set([...(pending.authn.amr ?? []), 'otp', 'mfa'])];
    const to = await host.complete(c, step, { idpId: pending.idpId, accountId: pending.accountId, authn: { ...pending.authn, amr } });
    return c.redirect(to, 303);
  }

  /** Renders the screen the pending state is on (issuing the mail or the enrolment secret when it starts). */
  async function render(c: C, step: MfaHostStep, pending: PendingMfa, error: string | null = null, status: 200 | 400 = 200) {
    const action = mfaStepPath(step.uid);
    const userId = pending.userId!;
    const headers = { 'cache-control': 'no-store' };
    // Every other factor the step offers, enrolment included: a person who has not set up TOTP yet may
    // choose to, even when Email OTP (ready, so shown first) would do.
    const alternatives = pending.factors.filter((f) => f !== pending.screen);
    if (pending.screen === 'TOTP_ENROL') {
      // A first visit starts the enrolment; a retry after a wrong code shows the same secret again.
      const options = { issuer: new URL(ctx.config.publicUrl).host };
      const enrolment = error
        ? await currentTotpEnrolment(ctx.store, userId, options)
        : await beginTotpEnrolment(ctx.store, userId, options);
      return c.html(
        await totpEnrolPage({
          appName: step.appName,
          action,
          csrfToken: step.csrfToken,
          qrCodeDataUrl: enrolment.qrCodeDataUrl,
          secret: enrolment.secret,
          alternatives,
          error,
        }),
        status,
        headers,
      );
    }
    if (pending.screen === 'RECOVERY_SHOWN') return c.redirect(action, 303);
    if (pending.screen === 'EMAIL_OTP' && !pending.emailChallengeId) {
      try {
        const issued = await issueEmailOtp({ store: ctx.store, mailer: mailerOf(ctx) }, userId, { appName: step.appName });
        pending.emailChallengeId = issued.challengeId;
        pending.sentTo = issued.sentTo;
        await save(step.uid, pending);
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        error = e.message;
        status = 400;
      }
    }
    return c.html(
      await mfaCodePage({
        appName: step.appName,
        action,
        csrfToken: step.csrfToken,
        factor: pending.screen as Factor,
        sentTo: pending.sentTo ?? null,
        alternatives,
        error,
      }),
      status,
      headers,
    );
  }

  routes.get('/login/:uid/mfa', async (c) => {
    const loaded = await loadAll(c);
    if (loaded instanceof Response) return loaded;
    const { step, pending } = loaded;
    if (pending.blocked) {
      await destroyOidcPayload(ctx.store.db, MODEL, step.uid);
      return host.refuse(c, step, pending.blocked.title, pending.blocked.message, `${pending.blocked.code}: ${pending.blocked.message}`);
    }
    return render(c, step, pending);
  });

  routes.post('/login/:uid/mfa', async (c) => {
    const loaded = await loadAll(c);
    if (loaded instanceof Response) return loaded;
    const { step, pending } = loaded;
    if (pending.blocked) return c.redirect(mfaStepPath(step.uid), 303);
    const form = await c.req.parseBody();
    if (!step.csrfValid(form.csrf))
      return render(c, step, pending, 'The form was out of date or did not come from this site. Try again.', 400);
    const userId = pending.userId!;
    const switchTo = typeof form.switch === 'string' ? form.switch : '';
    if (switchTo) {
      if (!(pending.factors as string[]).includes(switchTo) || pending.screen === 'RECOVERY_SHOWN')
        return render(c, step, pending, 'That method is not available.', 400);
      pending.screen = switchTo as PendingMfa['screen'];
      pending.emailChallengeId = null;
      await save(step.uid, pending);
      return c.redirect(mfaStepPath(step.uid), 303);
    }
    if (pending.screen === 'RECOVERY_SHOWN') return finish(c, step, pending);
    const code = typeof form.code === 'string' ? form.code.replace(/\s+/g, '') : '';
    if (pending.screen === 'TOTP_ENROL') {
      try {
        const { recoveryCodes } = await confirmTotpEnrolment(ctx.store, userId, code);
        // The first code proves the authenticator: it passes this step once the codes are acknowledged.
        pending.screen = 'RECOVERY_SHOWN';
        await save(step.uid, pending);
        return c.html(await recoveryCodesPage({ action: mfaStepPath(step.uid), csrfToken: step.csrfToken, codes: recoveryCodes }), 200, {
          'cache-control': 'no-store',
        });
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        return render(c, step, pending, e.message, 400);
      }
    }
    if (pending.screen === 'TOTP') {
      const check = await verifyTotp(ctx.store, userId, code);
      if (check.ok) return finish(c, step, pending);
      const message =
        check.reason === 'replayed'
          ? 'That code was already used. Wait for the next code from your authenticator app.'
          : check.reason === 'too_many_attempts'
            ? 'Too many wrong codes. Wait a few minutes before trying again.'
            : 'That code is not right. Check the time on your phone and enter the current code.';
      return render(c, step, pending, message, 400);
    }
    if (pending.screen === 'RECOVERY_CODE') {
      const check = await useRecoveryCode(ctx.store, userId, code);
      if (check.ok) return finish(c, step, pending);
      return render(c, step, pending, 'That recovery code is not right or was already used.', 400);
    }
    const check = await verifyEmailOtp(ctx.store, { challengeId: pending.emailChallengeId ?? '', userId, code });
    if (check.ok) return finish(c, step, pending);
    const message =
      check.reason === 'invalid_code'
        ? 'That code is not right. Check the latest mail and try again.'
        : 'That code no longer works; a new one is on its way.';
    if (check.reason !== 'invalid_code') {
      pending.emailChallengeId = null;
      await save(step.uid, pending);
    }
    return render(c, step, pending, message, 400);
  });

  return { intercept, routes };
}
