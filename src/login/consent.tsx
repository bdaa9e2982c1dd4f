// The consent page of a third-party app: what the app asks to receive (scopes and their claims), allow or deny. A plain
// form (works without JavaScript), CSRF-protected like the other /login pages.
import { Layout, renderPage } from './layout.js';

export interface ConsentProps {
  appName: string;
  action: string;
  csrfToken: string;
  /** Each requested scope with the claims it releases. */
  scopes: Array<{ scope: string; claims: string[] }>;
  /** Claims asked for one by one (the `claims` parameter). */
  claims: string[];
}

const SCOPE_WORDS: Record<string, string> = {
  openid: 'Sign you in and know who you are',
  email: 'Your email address',
  profile: 'Your name and username',
  groups: 'The groups you belong to',
  offline_access: 'Stay connected when you are not using it (a refresh token)',
};

export function consentPage({ appName, action, csrfToken, scopes, claims }: ConsentProps): Promise<string> {
  return renderPage(
    <Layout title={`Allow ${appName}?`}>
      <h1>Allow access</h1>
      <p class="lead">
        <span class="app-name">{appName}</span> asks to:
      </p>
      <ul class="consent-list">
        {scopes.map(({ scope, claims: released }) => (
          <li>
            <strong>{SCOPE_WORDS[scope] ?? scope}</strong>
            {released.length > 0 ? <span class="choice-hint"> ({released.join(', ')})</span> : null}
          </li>
        ))}
        {claims.length > 0 ? (
          <li>
            <strong>These details:</strong> <span class="choice-hint">{claims.join(', ')}</span>
          </li>
        ) : null}
      </ul>
      <form method="post" action={action} class="actions">
        <input type="hidden" name="csrf" value={csrfToken} />
        <button type="submit" name="decision" value="allow">
          Allow
        </button>
        <button type="submit" name="decision" value="deny" class="secondary">
          Deny
        </button>
      </form>
    </Layout>,
  );
}
