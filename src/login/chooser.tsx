// The IdP chooser: the app allows several identity providers and did not name one. A plain form
// (works without JavaScript), CSRF-protected, each choice a labelled radio button.
import { Layout, renderPage } from './layout.js';

export interface ChooserProps {
  appName: string;
  action: string;
  cancelAction: string;
  csrfToken: string;
  providers: Array<{ id: string; name: string; protocol: string }>;
  /** Where the username + password form is, when the app's sign-in flow offers LOCAL. */
  localHref?: string;
}

export function chooserPage({ appName, action, cancelAction, csrfToken, providers, localHref }: ChooserProps): Promise<string> {
  return renderPage(
    <Layout title="Choose how to sign in">
      <h1>Sign in</h1>
      <p class="lead">
        to continue to <span class="app-name">{appName}</span>
      </p>
      {providers.length > 0 ? (
        <form method="post" action={action}>
          <input type="hidden" name="csrf" value={csrfToken} />
          <fieldset>
            <legend>Choose your organisation’s sign-in</legend>
            <div class="choices">
              {providers.map((idp, index) => (
                <label class="choice" for={`idp-${idp.id}`}>
                  <input type="radio" id={`idp-${idp.id}`} name="idp" value={idp.id} required checked={index === 0} />
                  <span class="choice-label">
                    <span>{idp.name}</span>
                    <span class="choice-hint">{idp.protocol === 'saml' ? 'SAML single sign-on' : 'OpenID Connect'}</span>
                  </span>
                </label>
              ))}
            </div>
          </fieldset>
          <div class="actions">
            <button type="submit">Continue</button>
          </div>
        </form>
      ) : null}
      {localHref ? (
        <p class="actions">
          <a href={localHref}>Sign in with a username and password</a>
        </p>
      ) : null}
      <form method="post" action={cancelAction} class="actions">
        <input type="hidden" name="csrf" value={csrfToken} />
        <button type="submit" class="secondary">
          Cancel and return to {appName}
        </button>
      </form>
    </Layout>,
  );
}
