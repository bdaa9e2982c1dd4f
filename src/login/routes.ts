// The sign-in interaction's routes as a table: method, path, step. Each step is a function of explicit inputs
// (src/login/steps/); the pages they end on live beside this file. The prompt pages and the LOCAL password page
// are mounted from their own files with the host that ends the interaction (steps/prompts.ts).
import { Hono } from 'hono';
import type { AppEnv } from '../http/index.js';
import { localSignInRoutes } from './local-sign-in-routes.js';
import { provisioningPromptRoutes } from './provisioning-prompt-routes.js';
import { answerChoice, cancel, showChoice } from './steps/choose-idp.js';
import { answerConsent, askConsent } from './steps/consent.js';
import { oidcCallback, samlCallback, takeLoginResult } from './steps/finish-federated.js';
import { loadInteraction } from './steps/load-interaction.js';
import { answerSecondStep, showSecondStep } from './steps/mfa-pages.js';
import { localSignInHost, promptHost } from './steps/prompts.js';
import type { C, LoginDeps, Step } from './steps/types.js';

type Handler = (deps: LoginDeps, c: C) => Promise<Response>;

/** A step that starts from the interaction of the path (its cookie checked, its app found). */
const onInteraction =
  (run: (deps: LoginDeps, c: C, step: Step) => Promise<Response>): Handler =>
  async (deps, c) => {
    const step = await loadInteraction(deps, c);
    return step instanceof Response ? step : run(deps, c, step);
  };

/** GET /login/:uid: the consent prompt, or choose the IdP (which may start the upstream login at once). */
const openInteraction = onInteraction((deps, c, step) =>
  step.interaction.prompt.name === 'consent' ? askConsent(deps, c, step) : showChoice(deps, c, step),
);

export const LOGIN_ROUTES: ReadonlyArray<{ method: 'GET' | 'POST'; path: string; step: Handler }> = [
  { method: 'GET', path: '/login/:uid', step: openInteraction },
  { method: 'POST', path: '/login/:uid', step: onInteraction(answerChoice) },
  { method: 'POST', path: '/login/:uid/cancel', step: onInteraction(cancel) },
  { method: 'POST', path: '/login/:uid/consent', step: onInteraction(answerConsent) },
  { method: 'GET', path: '/federation/:idpId/callback', step: oidcCallback },
  { method: 'POST', path: '/federation/:idpId/saml/acs', step: samlCallback },
  { method: 'GET', path: '/login/:uid/federated', step: onInteraction(takeLoginResult) },
  { method: 'GET', path: '/login/:uid/mfa', step: showSecondStep },
  { method: 'POST', path: '/login/:uid/mfa', step: answerSecondStep },
];

export function loginRoutes(deps: LoginDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  for (const route of LOGIN_ROUTES) routes.on(route.method, route.path, (c) => route.step(deps, c));
  routes.route('/', provisioningPromptRoutes(deps.ctx, promptHost(deps)));
  routes.route('/', localSignInRoutes(deps.ctx, localSignInHost(deps)));
  return routes;
}
