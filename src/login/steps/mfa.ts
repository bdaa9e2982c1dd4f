// Step: the second step of a sign-in (the app's signInFlow, src/domain/sign-in-flow.ts). Where the interaction
// would finish after step 1 (a federated login or LOCAL), `interceptSecondStep` asks accounts/mfa; on a challenge
// the browser goes to /login/:uid/mfa (mfa-pages.ts), on blocked to a refusal there. The pending sign-in lives in
// the store (oidc_payloads, keyed by the interaction uid), so any instance can finish it. RFC 6238, RFC 8176 (amr).
// Before any of that, a deactivated or locked account is refused here too (every way to finish passes by).
import { type AuthnContext, type CompletedStep, type SignInFlow } from '../../domain/index.js';
import { createMailer, decideSecondFactor, type FactorOption, type Mailer } from '../../accounts/index.js';
import type { AppContext } from '../../http/index.js';
import { destroyOidcPayload, findAccountUser, findOidcPayload, upsertOidcPayload } from '../../store/index.js';
import type { LoginDeps, Step } from './types.js';

/** What finishing the interaction needs once the second step is passed. */
export interface PendingSignIn {
  idpId: string;
  accountId: string;
  authn: Partial<AuthnContext>;
}

export type Factor = 'TOTP' | 'EMAIL_OTP' | 'RECOVERY_CODE';

export interface PendingMfa extends PendingSignIn {
  userId: string | null;
  /** What the page shows now: a factor, TOTP enrolment, or the recovery codes after enrolment. */
  screen: Factor | 'TOTP_ENROL' | 'RECOVERY_SHOWN';
  /** The factors this person may switch between. */
  factors: Array<Factor | 'TOTP_ENROL'>;
  emailChallengeId?: string | null;
  sentTo?: string | null;
  blocked?: { code: string; title: string; message: string } | null;
}

const MODEL = 'PendingMfa';
export const mfaStepPath = (uid: string) => `/login/${encodeURIComponent(uid)}/mfa`;

const mailers = new WeakMap<AppContext, Mailer | null>();
/** The configured mailer (Email OTP), or null: made once per app context. */
export function mailerOf(ctx: AppContext): Mailer | null {
  if (!mailers.has(ctx)) mailers.set(ctx, createMailer(ctx.config));
  return mailers.get(ctx)!;
}

export const savePendingMfa = (deps: LoginDeps, uid: string, pending: PendingMfa) =>
  upsertOidcPayload(deps.ctx.store.db, MODEL, uid, { ...pending }, deps.protocol.interactionTtlSeconds);
export const readPendingMfa = async (deps: LoginDeps, uid: string) =>
  (await findOidcPayload(deps.ctx.store.db, MODEL, uid)) as unknown as PendingMfa | undefined;
export const dropPendingMfa = (deps: LoginDeps, uid: string) => destroyOidcPayload(deps.ctx.store.db, MODEL, uid);

/** Factors a decision offers, in the order they are tried first: a ready factor before an enrolment. */
export function factorsOf(usable: FactorOption[]): Array<Factor | 'TOTP_ENROL'> {
  const list: Array<Factor | 'TOTP_ENROL'> = [];
  for (const option of usable) {
    if (option.authenticator === 'TOTP' && option.state === 'ready') list.push('TOTP', 'RECOVERY_CODE');
    else if (option.authenticator === 'TOTP' && option.state === 'needs_enrolment') list.push('TOTP_ENROL');
    else if (option.authenticator === 'EMAIL_OTP' && option.state === 'ready') list.push('EMAIL_OTP');
  }
  return list.sort((a, b) => Number(a === 'TOTP_ENROL') - Number(b === 'TOTP_ENROL'));
}

/**
 * Where the interaction would finish: null when no further step applies (finish now), else the path of the MFA
 * page (which also shows a refusal when the step cannot be passed).
 */
export async function interceptSecondStep(
  deps: LoginDeps,
  step: Step,
  signIn: PendingSignIn,
  /** The caller read the account active and unlocked during this sign-in (its provisioning did). */
  accountUsable = false,
): Promise<string | null> {
  const { ctx } = deps;
  const uid = step.interaction.uid;
  const flow = step.app.signInFlow as SignInFlow;
  if (accountUsable && flow.steps.length < 2) return null;
  // A JIT-disabled IdP signs in a pairwise account (not a uuid): there is no local user to hold a factor, and
  // findAccountUser answers undefined for it without a query.
  const user = await findAccountUser(ctx.store.db, signIn.accountId);
  const userId = user ? user.id : null;
  // A deactivated or locked account must not finish: the protocol would find no account at the resume and fail;
  // the person gets a clear refusal and the app access_denied instead.
  if (user && (!user.active || user.locked)) {
    const code = user.active ? 'account_locked' : 'account_inactive';
    const message = user.active
      ? 'Your account is locked. Ask your administrator to unlock it.'
      : 'Your account is not active. Ask your administrator to activate it.';
    await savePendingMfa(deps, uid, {
      ...signIn,
      userId,
      screen: 'TOTP',
      factors: [],
      blocked: { code, title: 'You could not be signed in', message },
    });
    return mfaStepPath(uid);
  }
  if (flow.steps.length < 2) return null;
  const first: CompletedStep = signIn.idpId === 'LOCAL' ? { step: 1, authenticator: 'LOCAL' } : { step: 1, idp: signIn.idpId };
  const decision = await decideSecondFactor(
    { store: ctx.store, emailOtpAvailable: mailerOf(ctx) !== null },
    { flow, completed: [first], userId },
  );
  if (decision.kind === 'done') return null;
  if (decision.kind === 'blocked') {
    const blocked = { code: decision.code, title: 'A second step is needed', message: decision.message };
    await savePendingMfa(deps, uid, { ...signIn, userId, screen: 'TOTP', factors: [], blocked });
  } else {
    const factors = factorsOf(decision.usable);
    await savePendingMfa(deps, uid, { ...signIn, userId, screen: factors[0]!, factors, blocked: null });
  }
  return mfaStepPath(uid);
}
