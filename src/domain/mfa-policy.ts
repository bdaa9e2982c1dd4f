// Who may enrol in a second factor (reference 000/002, enhanced feature: "Second-factor authenticators will
// be able to configure for federated users when JIT provisioning is enabled"). A local account may always
// enrol; a JIT-provisioned (federated) account only with settings.jit.enhancedFeature on. A federated login
// through a JIT-disabled IdP has no account at all, so nothing to enrol.
import { AppError } from './errors.js';

export interface MfaEnrolmentSubject {
  /** Set when an IdP JIT-provisioned the user. */
  jitIdpId: string | null;
  active: boolean;
  locked: boolean;
}

/** Why this user may not enrol, or null when enrolment is allowed. */
export function mfaEnrolmentRefusal(settings: { jit: { enhancedFeature: boolean } }, user: MfaEnrolmentSubject): string | null {
  if (!user.active) return 'the account is not active';
  if (user.locked) return 'the account is locked';
  if (user.jitIdpId !== null && !settings.jit.enhancedFeature) {
    return 'federated (JIT-provisioned) users can enrol in a second factor only with settings.jit.enhancedFeature on';
  }
  return null;
}

export function assertMfaEnrolmentAllowed(settings: { jit: { enhancedFeature: boolean } }, user: MfaEnrolmentSubject): void {
  const reason = mfaEnrolmentRefusal(settings, user);
  if (reason) throw new AppError('forbidden', 'mfa_enrolment_not_allowed', reason);
}
