// jitbridge's own logout (RP-initiated logout, end_session) reaches the SAML SPs signed in with the same session:
// once oidc-provider has ended the session and is about to send the browser on, each SP of that session with an SLO
// endpoint gets our LogoutRequest in turn (IdP-initiated SLO, saml-idp/slo.ts), and the browser then goes where
// oidc-provider was sending it. SP sessions without an SLO endpoint are ended at jitbridge only.
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { AppContext } from '../http/index.js';
import { createSamlSlo } from '../saml-idp/index.js';

export function samlLogoutAfterEndSession(ctx: AppContext) {
  const slo = createSamlSlo({ store: ctx.store, publicUrl: ctx.config.publicUrl });
  return async (koa: KoaContextWithOIDC, next: () => Promise<void>) => {
    await next();
    const { oidc } = koa;
    // Only a confirmed logout of the whole session ("logout=yes"), not an app dropping its own authorization.
    if (oidc?.route !== 'end_session_confirm' || koa.status !== 303 || !oidc.params?.logout || !oidc.session?.uid) return;
    const answer = await slo.startLogout(oidc.session.uid, koa.response.get('location') || null);
    if (answer.status >= 300 && answer.status < 400) {
      koa.redirect(answer.headers.get('location')!);
      return;
    }
    koa.status = answer.status;
    koa.type = 'html';
    koa.body = await answer.text();
  };
}
