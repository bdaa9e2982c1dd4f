// Step: load the interaction. The one named by the cookie must be the one in the path, and its app must exist
// (found through the application lookup, whatever protocol registered it: OIDC apps, SAML apps' internal clients).
import { findApplicationByClientIdCached } from '../../store/index.js';
import { showError, showExpired } from './pages.js';
import { UID, type C, type InteractionView, type LoginDeps, type Step } from './types.js';

/** The interaction of /login/:uid…, or the page that ends the request. */
export async function loadInteraction(deps: LoginDeps, c: C): Promise<Step | Response> {
  const uid = c.req.param('uid') ?? '';
  const interaction = UID.test(uid) ? await deps.protocol.details(c, uid) : undefined;
  if (!interaction) return showExpired(deps.ctx, c);
  return withApp(deps, c, interaction);
}

/** The interaction with its app, or the page saying the app is gone. */
export async function withApp(deps: LoginDeps, c: C, interaction: InteractionView): Promise<Step | Response> {
  const [app, cookieKeys] = await Promise.all([
    findApplicationByClientIdCached(deps.ctx.store.db, interaction.clientId),
    deps.protocol.cookieKeys(),
  ]);
  if (!app)
    return showError(c, 400, {
      title: 'Unknown application',
      message: 'The application you came from is no longer registered.',
      reference: 'invalid_client',
    });
  return { interaction, app, cookieKeys };
}
