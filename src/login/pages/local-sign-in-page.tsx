// The LOCAL sign-in method: username + password, for users who have a local password (set on a
// provisioning page, over SCIM or by an admin). A form the chooser can embed (`LocalSignInForm`) and a
// page of its own. The interaction checks the answers with accounts/local-credentials.ts
// `verifyLocalSignIn` and re-renders with its message (the same for an unknown user or a wrong password).
import { Layout, renderPage } from '../layout.js';
import { CsrfField, ErrorSummary, Field } from './page-parts.js';

export interface LocalSignInFormProps {
  action: string;
  csrfToken: string;
  /** What the person typed before an error (never the password). */
  username?: string | null;
}

export function LocalSignInForm({ action, csrfToken, username }: LocalSignInFormProps) {
  return (
    <form method="post" action={action}>
      <CsrfField token={csrfToken} />
      <Field
        id="username"
        label="Username"
        type="text"
        autocomplete="username"
        value={username ?? null}
        maxLength={512}
        hint="For another user store, write STORE/name."
      />
      <Field id="password" label="Password" type="password" autocomplete="current-password" maxLength={1024} />
      <div class="actions">
        <button type="submit">Sign in</button>
      </div>
    </form>
  );
}

export interface LocalSignInPageProps extends LocalSignInFormProps {
  appName: string;
  error?: string | null;
}

export function localSignInPage(props: LocalSignInPageProps): Promise<string> {
  return renderPage(
    <Layout title="Sign in">
      <h1>Sign in</h1>
      <p class="lead">
        to continue to <span class="app-name">{props.appName}</span>
      </p>
      <ErrorSummary message={props.error} />
      <LocalSignInForm action={props.action} csrfToken={props.csrfToken} username={props.username ?? null} />
    </Layout>,
  );
}
