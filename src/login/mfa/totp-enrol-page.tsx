// The TOTP enrolment page: the QR code of the otpauth:// URI (a data: URL image, which the CSP allows),
// the secret for typing in by hand, and a form for the first code that confirms it. Rendered from
// accounts/mfa/totp.ts `beginTotpEnrolment`; served at /login/<uid>/mfa by src/login/steps/mfa-pages.ts.
import { Layout, renderPage } from '../layout.js';
import { CsrfField, OneTimeCodeInput } from '../pages/page-parts.js';
import { FactorSwitch, type FactorChoice } from './mfa-code-page.js';

export interface TotpEnrolPageProps {
  appName: string;
  /** Where the form posts the first code. */
  action: string;
  csrfToken: string;
  qrCodeDataUrl: string;
  /** The base32 secret, shown in groups of four for typing. */
  secret: string;
  /** Other factors the step offers (e.g. Email OTP), so enrolling is a choice, not the only way on. */
  alternatives?: readonly FactorChoice[];
  error?: string | null;
}

const grouped = (secret: string) => secret.replace(/(.{4})(?=.)/g, '$1 ');

export function totpEnrolPage(props: TotpEnrolPageProps): Promise<string> {
  return renderPage(
    <Layout title="Set up your authenticator app">
      <h1>Set up your authenticator app</h1>
      <p class="lead">
        <span class="app-name">{props.appName}</span> asks for a second step when you sign in. Scan this code with an authenticator app
        (such as Google Authenticator, Microsoft Authenticator or 1Password), then enter the 6-digit code it shows.
      </p>
      {props.error ? (
        <div class="alert" role="alert">
          {props.error}
        </div>
      ) : null}
      <p>
        <img src={props.qrCodeDataUrl} width={240} height={240} alt="QR code to add this account to an authenticator app" />
      </p>
      <p class="detail">
        Cannot scan? Enter this key instead: <code>{grouped(props.secret)}</code>
      </p>
      <form method="post" action={props.action}>
        <CsrfField token={props.csrfToken} />
        <p>
          <label for="code">6-digit code</label>
          <OneTimeCodeInput />
        </p>
        <div class="actions">
          <button type="submit">Verify and continue</button>
        </div>
      </form>
      <FactorSwitch action={props.action} csrfToken={props.csrfToken} alternatives={props.alternatives} />
    </Layout>,
  );
}

export interface RecoveryCodesPageProps {
  /** Where "I have saved them" continues to. */
  action: string;
  csrfToken: string;
  codes: readonly string[];
}

/** Shown once after enrolment: the recovery codes, never shown again. */
export function recoveryCodesPage(props: RecoveryCodesPageProps): Promise<string> {
  return renderPage(
    <Layout title="Save your recovery codes">
      <h1>Save your recovery codes</h1>
      <p class="lead">
        If you lose your phone, each of these codes signs you in once in place of the authenticator app. Keep them somewhere safe: they are
        shown only now.
      </p>
      <ul class="recovery-codes">
        {props.codes.map((code) => (
          <li>
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <form method="post" action={props.action}>
        <CsrfField token={props.csrfToken} />
        <div class="actions">
          <button type="submit">I have saved them</button>
        </div>
      </form>
    </Layout>,
  );
}
