// The sign-in interaction as named steps, its routes and the pages a person sees. An app protocol (oidc; SAML apps
// through it) hands it a LoginProtocol: read the interaction, finish it. Which step file holds what:
//   routes.ts                  the route table (method, path, step)
//   steps/load-interaction.ts  load the interaction (cookie = path) and its app        steps/pages.ts  shared pages
//   steps/choose-idp.ts        choose the IdP: `idp` parameter, only IdP, chooser; cancel
//   steps/start-upstream.ts    start the upstream login (+ flow binding); also at the authorization endpoint
//   steps/finish-federated.ts  the federation callbacks and /federated → finish        steps/provision-identity.ts
//   steps/prompts.ts           JIT prompts paused login and the LOCAL password host    steps/consent.ts  consent
//   steps/mfa.ts, mfa-pages.ts the second step (decide, then the pages)
//   steps/hand-off.ts          every ending: signed in (through MFA), refused, cancelled → LoginProtocol.finish
import { Hono } from 'hono';
import { LOGIN_CSS } from './styles.js';

export { chooserPage } from './chooser.js';
export { consentPage } from './consent.js';
export { errorPage } from './error.js';
export { logoutPromptPage, logoutSuccessPage } from './logout.js';
export { csrfToken, csrfTokenMatches } from './csrf.js';
export { Layout, renderPage, LOGIN_CSS_PATH } from './layout.js';

export function loginAssets() {
  const assets = new Hono();
  assets.get('/login/assets/login.css', (c) =>
    c.body(LOGIN_CSS, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=3600' }),
  );
  return assets;
}

export { localSignInPath, localSignInRoutes } from './local-sign-in-routes.js';
export { mfaCodePage } from './mfa/mfa-code-page.js';
export { recoveryCodesPage, totpEnrolPage } from './mfa/totp-enrol-page.js';
export { provisioningCompletionRoutes } from './provisioning-completion.js';
export { type PromptHost, type PromptHostStep, provisioningPromptPath, provisioningPromptRoutes } from './provisioning-prompt-routes.js';

export {
  type BeginUpstreamLogin,
  type InteractionEnding,
  type InteractionView,
  type LoginDeps,
  type LoginProtocol,
} from './steps/types.js';
export { LOGIN_ROUTES, loginRoutes } from './routes.js';
export { startWithoutPage } from './steps/start-upstream.js';
