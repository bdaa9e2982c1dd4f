// The page of PROMPT_USERNAME_PASSWORD_CONSENT: the person chooses the username (pre-filled from the
// IdP's claims; `DOMAIN/name` picks the user store when the IdP provisions AS_IN_USERNAME), sets a local
// password and answers the consent purposes, in one form. The interaction checks the username against the
// store's regex and uniqueness before anything is written, and re-renders this page with the errors.
import type { ConsentView } from '../../provisioning/index.js';
import { DEFAULT_PASSWORD_POLICY, type PasswordPolicy } from '../../domain/index.js';
import { Layout, renderPage } from '../layout.js';
import { CreateAccountControls, PasswordFields } from './password-page.js';
import { CsrfField, ErrorSummary, Field, type FieldErrors } from './page-parts.js';

export interface UsernamePasswordPageProps {
  appName: string;
  action: string;
  csrfToken: string;
  /** Pre-filled from the claims, or what the person typed before an error. */
  username: string | null;
  /** Say that `DOMAIN/name` chooses the store (the IdP provisions AS_IN_USERNAME). */
  domainInUsername?: boolean;
  consent?: { view: ConsentView; checked?: ReadonlySet<string> | null } | null;
  error?: string | null;
  fieldErrors?: FieldErrors;
  policy?: PasswordPolicy;
}

export function usernamePasswordPage(props: UsernamePasswordPageProps): Promise<string> {
  const policy = props.policy ?? DEFAULT_PASSWORD_POLICY;
  return renderPage(
    <Layout title="Choose your username and password">
      <h1>Create your account</h1>
      <p class="lead">
        Choose how you will be known in <span class="app-name">{props.appName}</span> and a password to sign in with.
      </p>
      <ErrorSummary message={props.error} />
      <form method="post" action={props.action}>
        <CsrfField token={props.csrfToken} />
        <Field
          id="username"
          label="Username"
          type="text"
          autocomplete="username"
          value={props.username}
          maxLength={255}
          autofocus
          hint={props.domainInUsername ? 'To create it in another user store, write STORE/name.' : undefined}
          errors={props.fieldErrors?.username}
        />
        <PasswordFields fieldErrors={props.fieldErrors} policy={policy} />
        <CreateAccountControls consent={props.consent} />
      </form>
    </Layout>,
  );
}
