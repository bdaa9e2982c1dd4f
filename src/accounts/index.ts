// What happens to an account outside JIT: second factors (TOTP, Email OTP, recovery codes), local passwords
// and sign-in throttling, deleting an IdP's users, upstream liveness. The folder's public face: other folders
// import from here only.
export { deleteIdentityProviderWithUsers, IDP_USER_MODES } from './idp-deletion.js';
export { hashNewPassword, setLocalPassword, verifyLocalSignIn } from './local-credentials.js';
export {
  accountThrottle,
  type AccountThrottleView,
  clearAccountFailures,
  DEFAULT_SIGN_IN_THROTTLE,
  type SignInThrottleSettings,
  throttleRules,
  type ThrottleRules,
  unlockSignIn,
} from './sign-in-throttle.js';
export { issueEmailOtp, verifyEmailOtp } from './mfa/email-otp.js';
export { createMailer, emailOtpAvailable, type Mailer } from './mfa/mailer.js';
export { useRecoveryCode } from './mfa/recovery-codes.js';
export { decideSecondFactor, type FactorOption } from './mfa/second-factor.js';
export { beginTotpEnrolment, confirmTotpEnrolment, currentTotpEnrolment, removeTotp, totpStatus, verifyTotp } from './mfa/totp.js';
export { LIVENESS_QUEUE, LIVENESS_SCHEDULE_INTERVAL_MS, livenessJobHandler, scheduleLivenessChecks } from './upstream-liveness.js';
export { createLocalAdmin, type NewLocalAdmin } from './local-admin.js';
