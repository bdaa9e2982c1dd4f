// The seam between a sign-in flow and the factors a person actually has: after step 1, what the login
// interaction must do next — finish, ask for one of the step's second factors (enrolling TOTP first if
// needed), or stop with a clear reason (a JIT-disabled IdP leaves no local account to hold a factor).
import { mfaEnrolmentRefusal, nextStep, type CompletedStep, type SignInFlow } from '../../domain/index.js';
import { readSettings, findUserById, findTotp } from '../../store/index.js';
import type { MfaStore } from './mfa-store.js';

export type FactorOption =
  | { authenticator: 'TOTP'; state: 'ready' | 'needs_enrolment' }
  | { authenticator: 'TOTP'; state: 'not_allowed'; reason: string }
  | { authenticator: 'EMAIL_OTP'; state: 'ready' }
  | { authenticator: 'EMAIL_OTP'; state: 'unavailable'; reason: string };

export type SecondFactorDecision =
  | { kind: 'done' }
  /** Offer the `usable` factors (ready, or TOTP to enrol first); `all` also lists the ones this person cannot use, and why. */
  | { kind: 'challenge'; step: number; usable: FactorOption[]; all: FactorOption[] }
  | { kind: 'blocked'; step: number; code: 'mfa_requires_local_account' | 'no_usable_factor'; message: string };

export interface SecondFactorInput {
  flow: SignInFlow;
  completed: readonly CompletedStep[];
  /** The local account signing in; null after a JIT-disabled IdP (claims only, nothing stored). */
  userId: string | null;
}

/** Decides the next step of a sign-in after `completed`. */
export async function decideSecondFactor(
  deps: { store: Pick<MfaStore, 'db'>; emailOtpAvailable: boolean },
  input: SecondFactorInput,
): Promise<SecondFactorDecision> {
  const next = nextStep(input.flow, input.completed);
  if (next.done) return { kind: 'done' };
  if (next.step === 1) throw new Error('decideSecondFactor is for the steps after step 1');
  if (input.userId === null) {
    return {
      kind: 'blocked',
      step: next.step,
      code: 'mfa_requires_local_account',
      message:
        'This application asks for a second factor, which needs a local account; the identity provider you used does not create one.',
    };
  }
  const user = await findUserById(deps.store.db, input.userId);
  if (!user) return { kind: 'blocked', step: next.step, code: 'mfa_requires_local_account', message: 'The account no longer exists.' };
  const settings = await readSettings(deps.store.db);
  const all: FactorOption[] = [];
  for (const option of next.options) {
    if (!('authenticator' in option)) continue;
    if (option.authenticator === 'TOTP') {
      const totp = await findTotp(deps.store.db, user.id);
      if (totp?.secretEncrypted && totp.confirmedAt) all.push({ authenticator: 'TOTP', state: 'ready' });
      else {
        const refusal = mfaEnrolmentRefusal(settings, user);
        all.push(
          refusal ? { authenticator: 'TOTP', state: 'not_allowed', reason: refusal } : { authenticator: 'TOTP', state: 'needs_enrolment' },
        );
      }
    } else if (option.authenticator === 'EMAIL_OTP') {
      if (!deps.emailOtpAvailable) all.push({ authenticator: 'EMAIL_OTP', state: 'unavailable', reason: 'no mail server is configured' });
      else if (!user.primaryEmail)
        all.push({ authenticator: 'EMAIL_OTP', state: 'unavailable', reason: 'the account has no email address' });
      else all.push({ authenticator: 'EMAIL_OTP', state: 'ready' });
    }
  }
  const usable = all.filter((o) => o.state === 'ready' || o.state === 'needs_enrolment');
  if (usable.length === 0) {
    const reasons = all.map((o) => ('reason' in o ? o.reason : null)).filter(Boolean);
    return {
      kind: 'blocked',
      step: next.step,
      code: 'no_usable_factor',
      message: `This application asks for a second factor you cannot use yet${reasons.length ? ` (${reasons.join('; ')})` : ''}.`,
    };
  }
  return { kind: 'challenge', step: next.step, usable, all };
}
