// The second-step page: enter the code from the authenticator app (TOTP), or the one just mailed (Email OTP),
// or a recovery code; other usable factors are offered as buttons. Pure rendering; the interaction decides
// with accounts/mfa/second-factor.ts `decideSecondFactor` and checks with verifyTotp / verifyEmailOtp /
// useRecoveryCode; served at /login/<uid>/mfa by src/login/steps/mfa-pages.ts.
import { Layout, renderPage } from '../layout.js';
import { CsrfField, OneTimeCodeInput } from '../pages/page-parts.js';

export interface MfaCodePageProps {
  appName: string;
  action: string;
  csrfToken: string;
  factor: 'TOTP' | 'EMAIL_OTP' | 'RECOVERY_CODE';
  /** For Email OTP: the masked address the code went to. */
  sentTo?: string | null;
  /** Other factors the person may switch to (posted as `switch=<factor>`). */
  alternatives?: readonly FactorChoice[];
  error?: string | null;
}

/** What a person may switch to on a second-step page: a factor, or setting up the authenticator app. */
export type FactorChoice = 'TOTP' | 'EMAIL_OTP' | 'RECOVERY_CODE' | 'TOTP_ENROL';

const labels: Record<FactorChoice, string> = {
  TOTP: 'Use the authenticator app',
  EMAIL_OTP: 'Email me a code',
  RECOVERY_CODE: 'Use a recovery code',
  TOTP_ENROL: 'Set up an authenticator app',
};

/** The buttons that switch to another factor; shared by the code page and the enrolment page. */
export function FactorSwitch(props: { action: string; csrfToken: string; alternatives?: readonly FactorChoice[] | undefined }) {
  if (!props.alternatives?.length) return null;
  return (
    <form method="post" action={props.action}>
      <CsrfField token={props.csrfToken} />
      <div class="actions">
        {props.alternatives.map((alternative) => (
          <button type="submit" name="switch" value={alternative} class="secondary" formnovalidate>
            {labels[alternative]}
          </button>
        ))}
      </div>
    </form>
  );
}

function intro(props: MfaCodePageProps): string {
  if (props.factor === 'TOTP') return 'Enter the 6-digit code from your authenticator app.';
  if (props.factor === 'EMAIL_OTP')
    return `We sent a 6-digit code to ${props.sentTo ?? 'your email address'}. It works once, for a few minutes.`;
  return 'Enter one of the recovery codes you saved when you set up the authenticator app. Each works once.';
}

export function mfaCodePage(props: MfaCodePageProps): Promise<string> {
  const recovery = props.factor === 'RECOVERY_CODE';
  return renderPage(
    <Layout title="Confirm it is you">
      <h1>Confirm it is you</h1>
      <p class="lead">
        <span class="app-name">{props.appName}</span> asks for a second step. {intro(props)}
      </p>
      {props.error ? (
        <div class="alert" role="alert">
          {props.error}
        </div>
      ) : null}
      <form method="post" action={props.action}>
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="factor" value={props.factor} />
        <p>
          <label for="code">{recovery ? 'Recovery code' : '6-digit code'}</label>
          {recovery ? (
            <input type="text" id="code" name="code" autocomplete="off" maxlength={20} required autofocus />
          ) : (
            <OneTimeCodeInput />
          )}
        </p>
        <div class="actions">
          <button type="submit">Continue</button>
        </div>
      </form>
      <FactorSwitch action={props.action} csrfToken={props.csrfToken} alternatives={props.alternatives} />
    </Layout>,
  );
}
