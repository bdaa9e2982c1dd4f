// The federation edge's own HTTP routes: start a login, and our SAML SP metadata. The callbacks (OIDC redirect
// URI, SAML ACS) are the login's step "finish the federated login" (src/login/steps/finish-federated.ts): they
// verify here (callback.ts) and decide there what the identity becomes.
// Errors here are pages for a person (the app's error handler renders the styled page), not API problems.
import { Hono } from 'hono';
import type { AppContext, AppEnv } from '../http/index.js';
import { findIdentityProvider } from '../store/index.js';
import { samlSpMetadata } from './saml.js';
import { beginUpstreamLogin } from './start.js';

export function federationRoutes(ctx: AppContext) {
  const app = new Hono<AppEnv>();

  app.get('/federation/:idpId/start', async (c) => {
    const { redirectUrl } = await beginUpstreamLogin(ctx, { idpId: c.req.param('idpId'), returnTo: c.req.query('return_to') ?? '' });
    c.header('cache-control', 'no-store');
    return c.redirect(redirectUrl, 302);
  });

  app.get('/federation/:idpId/saml/metadata', async (c) => {
    const idp = await findIdentityProvider(ctx.store.db, c.req.param('idpId'));
    if (!idp || idp.protocol !== 'saml') return c.text('Not Found', 404);
    return c.body(samlSpMetadata(idp, ctx.config.publicUrl), 200, { 'content-type': 'application/samlmetadata+xml; charset=utf-8' });
  });

  return app;
}
