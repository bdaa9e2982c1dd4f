// Step: start the upstream login for an allowed, enabled IdP, with the cookie that lets its callback finish in
// place (flow-binding.ts). Reached from the chooser, from GET /login/:uid (the `idp` parameter or the only IdP),
// and at the authorization endpoint itself when no page is needed (`startWithoutPage`): one step, three callers.
import { AppError } from '../../domain/index.js';
import { FLOW_TTL_SECONDS, findApplicationByClientIdCached, findIdentityProvider } from '../../store/index.js';
import { flowBindingCookie, serializeCookie } from '../flow-binding.js';
import { idpWithoutPage } from './sign-in-options.js';
import { endInteraction, refuse } from './hand-off.js';
import type { C, InteractionView, LoginDeps, Step } from './types.js';

/** Begins the flow; answers where the browser goes and the Set-Cookie value binding it to this browser. */
async function begin(deps: LoginDeps, cookieKey: string, uid: string, idpId: string): Promise<{ redirectUrl: string; setCookie: string }> {
  const { redirectUrl, flowId } = await deps.begin(deps.ctx, {
    idpId,
    returnTo: `/login/${uid}/federated`,
    context: { interactionUid: uid },
  });
  const secure = deps.ctx.config.publicUrl.startsWith('https:');
  const cookie = flowBindingCookie(cookieKey, idpId, flowId, { secure, maxAgeSeconds: FLOW_TTL_SECONDS });
  return { redirectUrl, setCookie: serializeCookie(cookie) };
}

/** The IdP when the app allows it and it is enabled, else undefined. */
async function allowedIdp(deps: LoginDeps, allowed: readonly string[], idpId: string) {
  const idp = allowed.includes(idpId) ? await findIdentityProvider(deps.ctx.store.db, idpId) : undefined;
  return idp?.enabled ? idp : undefined;
}

export async function startUpstream(deps: LoginDeps, c: C, step: Step, idpId: string): Promise<Response> {
  const idp = await allowedIdp(deps, step.app.identityProviders, idpId);
  if (!idp) {
    deps.ctx.metrics.appSignIns.inc({ result: 'refused' });
    const description = `identity provider ${idpId} is not allowed for this application`;
    return c.redirect(await endInteraction(deps, step, { kind: 'refused', description }), 303);
  }
  try {
    const { redirectUrl, setCookie } = await begin(deps, step.cookieKeys[0]!, step.interaction.uid, idp.id);
    c.header('set-cookie', setCookie, { append: true });
    return c.redirect(redirectUrl, 303);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    deps.ctx.logger.warn({ err: error, idpId }, 'upstream login could not start');
    const unavailable = error.code === 'upstream_unavailable';
    return refuse(deps, c, step, {
      title: unavailable ? 'Your organisation’s sign-in is unavailable' : 'Sign-in method unavailable',
      message: unavailable
        ? `${idp.name} cannot be reached right now. Try again in a few minutes.`
        : `${idp.name} cannot be used to sign in right now.`,
      description: `${error.code}: ${error.message}`,
    });
  }
}

/**
 * The same step at the authorization endpoint, when it needs no page: a login prompt whose IdP is chosen without
 * one, allowed and enabled. Anything else (a chooser, a refusal, an upstream that cannot be reached) answers null:
 * the browser goes to /login/<uid> as usual, which shows it.
 */
export async function startWithoutPage(
  deps: LoginDeps,
  interaction: InteractionView,
): Promise<{ redirectUrl: string; setCookie: string } | null> {
  if (interaction.prompt.name !== 'login') return null;
  const app = await findApplicationByClientIdCached(deps.ctx.store.db, interaction.clientId);
  if (!app) return null;
  const idpId = idpWithoutPage(app, interaction.params);
  const idp = idpId ? await allowedIdp(deps, app.identityProviders, idpId) : undefined;
  if (!idp) return null;
  try {
    return await begin(deps, (await deps.protocol.cookieKeys())[0]!, interaction.uid, idp.id);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    deps.ctx.logger.warn({ err: error, idpId }, 'upstream login could not start at the authorization endpoint');
    return null;
  }
}
