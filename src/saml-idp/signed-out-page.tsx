// The page at the end of an IdP-initiated logout with nowhere to return to.
import { Layout, renderPage } from '../login/index.js';

export function signedOutPage(partial: boolean): Promise<string> {
  return renderPage(
    <Layout title="Signed out">
      <h1>You are signed out</h1>
      <p class="lead">
        {partial
          ? 'Some applications did not confirm that they signed you out. Close your browser to be sure.'
          : 'You are signed out of the applications you used through jitbridge.'}
      </p>
    </Layout>,
  );
}
