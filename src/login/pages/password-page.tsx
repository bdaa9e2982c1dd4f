// The page of PROMPT_PASSWORD_CONSENT: the person sets a local password for the account about to be made
// (and, in the same form, answers the consent purposes). The password is checked by
// domain/password-policy.ts and hashed by accounts/local-credentials.ts `hashNewPassword`.
import type { ConsentView } from '../../provisioning/index.js';
import { DEFAULT_PASSWORD_POLICY, type PasswordPolicy } from '../../domain/index.js';
import { Layout, renderPage } from '../layout.js';
import { ConsentFields } from './consent-fields.js';
import { CsrfField, ErrorSummary, Field, type FieldErrors } from './page-parts.js';

export interface PasswordPageProps {
  appName: string;
  action: string;
  csrfToken: string;
  /** The username of the account (`DOMAIN/name` or plain), shown read-only. */
  username: string;
  consent?: { view: ConsentView; checked?: ReadonlySet<string> | null } | null;
  error?: string | null;
  fieldErrors?: FieldErrors;
  policy?: PasswordPolicy;
}

export function passwordHint(policy: PasswordPolicy): string {
  return `At least ${policy.minLength} characters. Not your username, and not a common password.`;
}

export function PasswordFields({ fieldErrors, policy }: { fieldErrors?: FieldErrors | undefined; policy: PasswordPolicy }) {
  return (
    <>
      <Field
        id="password"
        label="New password"
        type="password"
        autocomplete="new-password"
        minLength={policy.minLength}
        maxLength={policy.maxLength}
        hint={passwordHint(policy)}
        errors={fieldErrors?.password}
      />
      <Field
        id="confirmation"
        label="Repeat the password"
        type="password"
        autocomplete="new-password"
        maxLength={policy.maxLength}
        errors={fieldErrors?.confirmation}
      />
    </>
  );
}

/** The end of both password forms: the consent checkboxes (when asked together) and create / cancel. */
export function CreateAccountControls({ consent }: { consent?: PasswordPageProps['consent'] }) {
  return (
    <>
      {consent ? <ConsentFields view={consent.view} checked={consent.checked ?? null} /> : null}
      <div class="actions">
        <button type="submit" name="decision" value="approve">
          Create account
        </button>
        <button type="submit" name="decision" value="deny" class="secondary" formnovalidate>
          Cancel
        </button>
      </div>
    </>
  );
}

export function passwordPage(props: PasswordPageProps): Promise<string> {
  const policy = props.policy ?? DEFAULT_PASSWORD_POLICY;
  return renderPage(
    <Layout title="Set your password">
      <h1>Set your password</h1>
      <p class="lead">
        Your account for <span class="app-name">{props.appName}</span> is almost ready. Choose a password to sign in with it directly.
      </p>
      <ErrorSummary message={props.error} />
      <form method="post" action={props.action}>
        <CsrfField token={props.csrfToken} />
        <Field id="username" label="Username" type="text" autocomplete="username" value={props.username} readOnly />
        <PasswordFields fieldErrors={props.fieldErrors} policy={policy} />
        <CreateAccountControls consent={props.consent} />
      </form>
    </Layout>,
  );
}
