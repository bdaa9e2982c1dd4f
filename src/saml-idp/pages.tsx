// What the browser gets from the SAML IdP: the auto-submitting HTTP-POST form to the SP (Bindings §3.5.4; a
// script file of our own submits it, as the CSP allows no inline script, and a button does without script), and
// error pages that never lead to an address taken from a request.
import { Layout, renderPage, errorPage } from '../login/index.js';

export const AUTOSUBMIT_SCRIPT_PATH = '/saml/assets/autosubmit.js';
export const AUTOSUBMIT_SCRIPT =
  "document.addEventListener('DOMContentLoaded',function(){var f=document.getElementById('saml-post');if(f)f.submit();});\n";

export function postFormPage(input: {
  action: string;
  field: 'SAMLResponse' | 'SAMLRequest';
  value: string;
  relayState: string | null;
}): Promise<string> {
  return renderPage(
    <Layout title="Signing you in">
      <h1>Continuing to the application</h1>
      <form id="saml-post" method="post" action={input.action}>
        <input type="hidden" name={input.field} value={input.value} />
        {input.relayState !== null ? <input type="hidden" name="RelayState" value={input.relayState} /> : null}
        <noscript>
          <p class="lead">JavaScript is off: press the button to continue.</p>
        </noscript>
        <div class="actions">
          <button class="button" type="submit">
            Continue
          </button>
        </div>
      </form>
      <script src={AUTOSUBMIT_SCRIPT_PATH} />
    </Layout>,
  );
}

export function samlErrorPage(title: string, message: string, code: string): Promise<string> {
  return errorPage({ title, message, backUrl: null, reference: code });
}
