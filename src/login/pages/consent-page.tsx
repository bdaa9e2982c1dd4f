// The consent page of PROMPT_CONSENT: which JIT consent purposes want which of the person's attributes,
// with the values about to be stored; the person ticks what they agree to, or declines. A plain form
// (no JavaScript), CSRF-protected; the interaction decides with provisioning/consent.ts `decideConsent`.
import type { ConsentView } from '../../provisioning/index.js';
import { Layout, renderPage } from '../layout.js';
import { ConsentFields } from './consent-fields.js';
import { CsrfField, ErrorSummary } from './page-parts.js';

export interface ConsentPageProps {
  appName: string;
  /** The IdP the person came through, to say where the data comes from. */
  idpName?: string | null;
  action: string;
  csrfToken: string;
  view: ConsentView;
  checked?: ReadonlySet<string> | null;
  error?: string | null;
}

export function consentPage(props: ConsentPageProps): Promise<string> {
  return renderPage(
    <Layout title="Review the information to share">
      <h1>Create your account</h1>
      <p class="lead">
        To continue to <span class="app-name">{props.appName}</span>, an account will be created for you
        {props.idpName ? ` from your ${props.idpName} sign-in` : ''}. Choose what may be stored.
      </p>
      <ErrorSummary message={props.error} />
      <form method="post" action={props.action}>
        <CsrfField token={props.csrfToken} />
        <ConsentFields view={props.view} checked={props.checked ?? null} />
        <div class="actions">
          <button type="submit" name="decision" value="approve">
            Allow and continue
          </button>
          <button type="submit" name="decision" value="deny" class="secondary">
            Decline
          </button>
        </div>
      </form>
    </Layout>,
  );
}
