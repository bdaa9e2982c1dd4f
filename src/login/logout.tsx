// RP-initiated logout pages: the confirmation (oidc-provider supplies the form with its own CSRF field)
// and the "signed out" page.
import { raw } from 'hono/html';
import { Layout, renderPage } from './layout.js';

export function logoutPromptPage({ appName, providerForm }: { appName: string | null; providerForm: string }): Promise<string> {
  return renderPage(
    <Layout title="Sign out">
      <h1>Sign out?</h1>
      <p class="lead">{appName ? `${appName} asked to sign you out of jitbridge.` : 'Do you want to sign out of jitbridge?'}</p>
      {raw(providerForm)}
      <div class="actions">
        <button type="submit" form="op.logoutForm" value="yes" name="logout">
          Yes, sign me out
        </button>
        <button type="submit" form="op.logoutForm" class="secondary">
          No, stay signed in
        </button>
      </div>
    </Layout>,
  );
}

export function logoutSuccessPage({ appName }: { appName: string | null }): Promise<string> {
  return renderPage(
    <Layout title="Signed out">
      <h1>You are signed out</h1>
      <p class="lead">{appName ? `You have signed out of ${appName}.` : 'You have signed out.'} You can close this window.</p>
    </Layout>,
  );
}
