// The federation edge's HTTP routes: start a login, the OIDC redirect URI, our SAML SP metadata and ACS.
// Errors here are pages for a person (the app's error handler renders the styled page), not API problems.
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { AppError } from '../domain/index.js';
import type { AppContext, AppEnv } from '../http/index.js';
import { findIdentityProvider, type FederationFlow } from '../store/index.js';
import { UnknownFlowError } from './errors.js';
import { beginUpstreamLogin, completeOidcLogin, completeSamlLogin, type Completion, type LoginOutcome } from './login.js';
import { samlSpMetadata } from './saml.js';

const NO_FLOW_PAGE =
  'This sign-in response does not belong to a sign-in in progress (it expired, was already used, or was not started here). Please start again.';

/**
 * The edge that started a login may take its outcome in the callback's response (see OutcomeHandoff in login.ts):
 * the app-facing OpenID Provider does, when the browser proves it began the flow.
 */
export type LoginHandoff = (c: Context<AppEnv>, flow: FederationFlow) => Promise<((outcome: LoginOutcome) => Promise<Response>) | null>;

export function federationRoutes(ctx: AppContext, options: { handoff?: LoginHandoff } = {}) {
  const app = new Hono<AppEnv>();
  const handoffFor = (c: Context<AppEnv>) => (options.handoff ? (flow: FederationFlow) => options.handoff!(c, flow) : undefined);
  const answer = (c: Context<AppEnv>, completion: Completion<Response>) => {
    if ('handedOff' in completion) return completion.handedOff;
    c.header('cache-control', 'no-store');
    return c.redirect(completion.location, 303);
  };

  const noFlow = (error: unknown) => {
    if (error instanceof UnknownFlowError) throw new AppError('invalid_input', 'unknown_login_state', NO_FLOW_PAGE, [], { cause: error });
    throw error;
  };

  app.get('/federation/:idpId/start', async (c) => {
    const { redirectUrl } = await beginUpstreamLogin(ctx, { idpId: c.req.param('idpId'), returnTo: c.req.query('return_to') ?? '' });
    c.header('cache-control', 'no-store');
    return c.redirect(redirectUrl, 302);
  });

  app.get('/federation/:idpId/callback', async (c) => {
    const query = new URL(c.req.url).searchParams;
    return answer(c, await completeOidcLogin(ctx, c.req.param('idpId'), query, handoffFor(c)).catch(noFlow));
  });

  app.get('/federation/:idpId/saml/metadata', async (c) => {
    const idp = await findIdentityProvider(ctx.store.db, c.req.param('idpId'));
    if (!idp || idp.protocol !== 'saml') return c.text('Not Found', 404);
    return c.body(samlSpMetadata(idp, ctx.config.publicUrl), 200, { 'content-type': 'application/samlmetadata+xml; charset=utf-8' });
  });

  // The body is limited in front of every route (src/body-limit-rules.ts: MAX_SAML_RESPONSE_BYTES and the form around it).
  app.post('/federation/:idpId/saml/acs', async (c) => {
    const form = await c.req.parseBody();
    const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : undefined);
    const completion = await completeSamlLogin(
      ctx,
      c.req.param('idpId'),
      { SAMLResponse: field('SAMLResponse'), RelayState: field('RelayState') },
      handoffFor(c),
    ).catch(noFlow);
    return answer(c, completion);
  });

  return app;
}
