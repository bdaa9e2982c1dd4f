// Step: the prompts. A JIT scheme that asks the person first (consent, password, username) pauses the login: the
// upstream authentication context waits beside the interaction while the prompt pages (provisioning-prompt-routes.ts)
// ask; they end the interaction through the host below. The LOCAL password page (local-sign-in-routes.ts) uses the
// same host, but its login ends as the local user with amr pwd and no upstream IdP behind the session.
import type { AuthnContext } from '../../domain/index.js';
import { destroyOidcPayload, findOidcPayload, upsertOidcPayload } from '../../store/index.js';
import type { PromptHost, PromptHostStep } from '../provisioning-prompt-routes.js';
import { refuse, signIn } from './hand-off.js';
import { loadInteraction } from './load-interaction.js';
import { csrfOf, csrfValid, showError } from './pages.js';
import { offersLocal } from './sign-in-options.js';
import type { LoginDeps, Step } from './types.js';

/** Where a paused login keeps its upstream authentication context until the prompts end (oidc_payloads). */
const PAUSED_LOGIN_MODEL = 'PausedLogin';

/**
 * What a LOCAL login records as the session's IdP: no app lists it among its IdPs, so single sign-on into another
 * app asks again rather than reusing a password session where it may not be allowed.
 */
export const LOCAL_SESSION_IDP = 'LOCAL';

/** Keeps the upstream authentication context of a login paused on prompts. */
export const pauseLogin = (deps: LoginDeps, step: Step, idpId: string, authnContext: unknown) =>
  upsertOidcPayload(
    deps.ctx.store.db,
    PAUSED_LOGIN_MODEL,
    step.interaction.uid,
    { authnContext, idpId },
    deps.protocol.interactionTtlSeconds,
  );

/** The interaction's step as the prompt pages see it. */
type HostedStep = Step & PromptHostStep;

const hostedOf = (step: Step): HostedStep => ({
  ...step,
  uid: step.interaction.uid,
  appName: step.app.name,
  csrfToken: csrfOf(step),
  csrfValid: (token) => csrfValid(step, token),
});

/** The host of the provisioning prompt pages: they end a paused login through it. */
export function promptHost(deps: LoginDeps): PromptHost {
  return {
    async load(c) {
      const step = await loadInteraction(deps, c);
      return step instanceof Response ? step : hostedOf(step);
    },
    async finish(c, hosted, userId) {
      const step = hosted as HostedStep;
      const paused = await findOidcPayload(deps.ctx.store.db, PAUSED_LOGIN_MODEL, step.uid);
      await destroyOidcPayload(deps.ctx.store.db, PAUSED_LOGIN_MODEL, step.uid);
      const authn = (paused?.authnContext ?? {}) as Partial<AuthnContext>;
      return c.redirect(await signIn(deps, step, { idpId: String(paused?.idpId ?? ''), accountId: userId, authn }), 303);
    },
    refuse: (c, hosted, title, message, description) => refuse(deps, c, hosted as HostedStep, { title, message, description }),
  };
}

/** The host of the LOCAL password page: only for apps whose sign-in flow offers it in step 1. */
export function localSignInHost(deps: LoginDeps): PromptHost {
  const host = promptHost(deps);
  return {
    async load(c) {
      const hosted = await host.load(c);
      if (hosted instanceof Response) return hosted;
      if (!offersLocal((hosted as HostedStep).app))
        return showError(c, 403, {
          title: 'Sign-in method not allowed',
          message: `${hosted.appName} does not accept a username and password.`,
        });
      return hosted;
    },
    finish: async (c, hosted, userId) =>
      c.redirect(await signIn(deps, hosted as HostedStep, { idpId: LOCAL_SESSION_IDP, accountId: userId, authn: { amr: ['pwd'] } }), 303),
    refuse: host.refuse,
  };
}
