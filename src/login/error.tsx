// The page a person sees when a sign-in cannot go on (the IdP refused, a policy said no, the link
// expired). It names the problem in plain words and offers the way back to the app, which then receives
// `error=access_denied` with a description it can log.
import { Layout, renderPage } from './layout.js';

export interface ErrorPageProps {
  title: string;
  message: string;
  /** Where "back to the app" leads (the app gets an OAuth error from there); none when the app is unknown. */
  backUrl?: string | null;
  appName?: string | null;
  /** A short reference for support (request id or error code). */
  reference?: string | null;
}

export function errorPage({ title, message, backUrl, appName, reference }: ErrorPageProps): Promise<string> {
  return renderPage(
    <Layout title={title}>
      <h1>{title}</h1>
      <div class="alert" role="alert">
        {message}
      </div>
      {backUrl ? (
        <div class="actions">
          <a class="button" href={backUrl}>
            {appName ? `Return to ${appName}` : 'Return to the application'}
          </a>
        </div>
      ) : (
        <p class="lead">Close this window and start again from the application you were signing in to.</p>
      )}
      {reference ? <p class="detail">Reference: {reference}</p> : null}
    </Layout>,
  );
}
