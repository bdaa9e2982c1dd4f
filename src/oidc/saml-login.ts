// SAML apps sign in through the OIDC login (issue 24 part 2): the SAML IdP is a relying party of jitbridge's own
// OpenID Provider. `start` sends the browser to /oidc/auth as the client `saml:<appId>` (saml-clients.ts), with the
// SAML handle as `state` and a PKCE verifier kept in a cookie of this browser; the login runs exactly as for an OIDC
// app (chooser, upstream, JIT, prompts, MFA); the return route redeems the code in-process (no HTTP to ourselves),
// reads who signed in and how, and hands the person to `SamlSso.finish`, which posts the assertion to the ACS.
//
// ForceAuthn → prompt=login; IsPassive → prompt=none, whose login_required/interaction_required answer is NoPassive.
// The cookie binds the return to the browser that started: a code URL sent to someone else finishes nothing.
import { createHash, randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppContext, AppEnv } from '../http/index.js';
import {
  SAML_STATUS,
  samlErrorResponse,
  SamlIdpError,
  type SamlLoginConnector,
  type SamlLoginRequest,
  type SamlSso,
} from '../saml-idp/index.js';
import { samlClientId } from '../store/index.js';
import { OIDC_PREFIX } from './mount.js';
import type { ProviderHolder } from './provider.js';
import { SAML_RETURN_PATH, samlReturnUrl } from './saml-clients.js';
import { signedInPerson } from './saml-person.js';

/** The cookie holding one SAML sign-in's app id and PKCE verifier; one per handle, so parallel sign-ins do not clash. */
const cookieName = (handle: string) => `jb_saml_${handle}`;
const HANDLE = /^_[0-9a-f]{40}$/;
const COOKIE_SECONDS = 30 * 60;

const challengeOf = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/** OIDC errors that mean "no session, and no page may be shown" (OIDC Core §3.1.2.6). */
const PASSIVE_ERRORS = new Set(['login_required', 'interaction_required', 'consent_required', 'account_selection_required']);

export interface SamlLogin {
  connector: SamlLoginConnector;
  routes: Hono<AppEnv>;
}

export function createSamlLogin(ctx: AppContext, holder: ProviderHolder): SamlLogin {
  let sso: SamlSso | undefined;
  const secure = ctx.config.publicUrl.startsWith('https:');
  const redirectUri = samlReturnUrl(ctx.config.publicUrl);

  async function start(c: Context<AppEnv>, request: SamlLoginRequest): Promise<Response> {
    const verifier = randomBytes(32).toString('base64url');
    setCookie(c, cookieName(request.handle), `${request.application.id}.${verifier}`, {
      path: SAML_RETURN_PATH,
      httpOnly: true,
      secure,
      sameSite: 'Lax',
      maxAge: COOKIE_SECONDS,
    });
    const url = new URL(`${ctx.config.publicUrl}${OIDC_PREFIX}/auth`);
    url.search = new URLSearchParams({
      client_id: samlClientId(request.application.id),
      response_type: 'code',
      scope: 'openid',
      redirect_uri: redirectUri,
      state: request.handle,
      code_challenge: challengeOf(verifier),
      code_challenge_method: 'S256',
      ...(request.isPassive ? { prompt: 'none' } : request.forceAuthn ? { prompt: 'login' } : {}),
    }).toString();
    return c.redirect(url.toString(), 303);
  }

  /**
   * Redeems the code as the token endpoint would (client, redirect URI, PKCE, once), without the HTTP round trip.
   * Two racing returns with one code could both get past `consumed`; the handle is what is answered once
   * (SamlSso.finish takes it atomically), so still only one Response is issued.
   */
  async function redeem(code: string, verifier: string, clientId: string) {
    const { provider } = await holder.get();
    const found = await provider.AuthorizationCode.find(code);
    if (!found || found.clientId !== clientId || found.redirectUri !== redirectUri || (found as { consumed?: unknown }).consumed)
      return undefined;
    if (found.codeChallenge !== challengeOf(verifier)) return undefined;
    await found.consume();
    return found;
  }

  const routes = new Hono<AppEnv>();
  routes.get(SAML_RETURN_PATH, async (c) => {
    try {
      if (!sso) throw new SamlIdpError('saml_sign_in_not_connected', 'SAML sign-in is not connected', 501);
      const handle = c.req.query('state') ?? '';
      const [applicationId, verifier] = (HANDLE.test(handle) ? (getCookie(c, cookieName(handle)) ?? '') : '').split('.');
      if (!applicationId || !verifier)
        throw new SamlIdpError('saml_return_unbound', 'This sign-in was not started in this browser, or it took too long', 400);
      deleteCookie(c, cookieName(handle), { path: SAML_RETURN_PATH, secure });
      const error = c.req.query('error');
      if (error) {
        const status = PASSIVE_ERRORS.has(error)
          ? SAML_STATUS.noPassive
          : error === 'access_denied'
            ? SAML_STATUS.requestDenied
            : SAML_STATUS.authnFailed;
        return withCookies(c, await sso.fail(handle, status, c.req.query('error_description') ?? error));
      }
      const code = await redeem(c.req.query('code') ?? '', verifier, samlClientId(applicationId));
      if (!code) return withCookies(c, await sso.fail(handle, SAML_STATUS.authnFailed, 'The sign-in could not be completed'));
      const person = await signedInPerson(ctx.store, code);
      if (!person) return withCookies(c, await sso.fail(handle, SAML_STATUS.authnFailed, 'The account that signed in is not available'));
      return withCookies(c, await sso.finish(handle, person));
    } catch (error) {
      if (error instanceof SamlIdpError) return withCookies(c, await samlErrorResponse(error));
      throw error;
    }
  });

  const connector: SamlLoginConnector = {
    starter(connected) {
      sso = connected;
      return { start };
    },
    async endLoginSession(loginSessionId) {
      const { provider } = await holder.get();
      const session = await provider.Session.findByUid(loginSessionId);
      if (session) await session.destroy();
    },
  };
  return { connector, routes };
}

/** A Response built elsewhere, with the cookies this route set on the Hono context (the deleted binding cookie). */
function withCookies(c: Context<AppEnv>, response: Response): Response {
  for (const cookie of c.res.headers.getSetCookie()) response.headers.append('set-cookie', cookie);
  return response;
}
