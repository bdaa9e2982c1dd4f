// The pages a person sees during sign-in, and the route that serves their stylesheet.
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
