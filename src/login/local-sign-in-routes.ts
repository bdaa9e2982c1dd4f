// The LOCAL sign-in method at /login/:uid/local, ready for the login interaction to mount (with the same
// three-hook host as the provisioning prompts). GET shows the username + password form; POST checks it
// with accounts/local-credentials.ts: the same message for an unknown user or a wrong password,
// 429 with Retry-After while throttled, and on success the host finishes the login with the local user.
import { Hono, type Context } from 'hono';
import { type AppContext, type AppEnv, resolveClientAddress, TrustedProxies } from '../http/index.js';
import { throttleRules, verifyLocalSignIn } from '../accounts/index.js';
import { RetryLaterError } from '../domain/index.js';
import { localSignInPage } from './pages/local-sign-in-page.js';
import { readPromptForm, type FormBody } from './pages/forms.js';
import type { PromptHost, PromptHostStep } from './provisioning-prompt-routes.js';

type C = Context<AppEnv>;

export const localSignInPath = (interactionUid: string) => `/login/${encodeURIComponent(interactionUid)}/local`;

/**
 * The client address the throttle counts: the socket's peer, or, when that peer is one of TRUSTED_PROXIES,
 * the address the proxies forwarded (src/http/client-address.ts).
 */
export function clientAddressReader(trusted: TrustedProxies): (c: C) => string | null {
  return (c) => resolveClientAddress(c.env?.incoming?.socket?.remoteAddress, c.req.header('x-forwarded-for'), trusted);
}

export function localSignInRoutes(ctx: AppContext, host: PromptHost, options: { address?: (c: C) => string | null } = {}) {
  const routes = new Hono<AppEnv>();
  const addressOf = options.address ?? clientAddressReader(new TrustedProxies(ctx.config.trustedProxies ?? []));
  const rules = throttleRules(ctx.config.signInThrottle);

  const render = async (
    c: C,
    step: PromptHostStep,
    status: 200 | 400 | 403 | 429 | 503,
    extra: { error?: string; username?: string } = {},
  ) =>
    c.html(
      await localSignInPage({
        appName: step.appName,
        action: localSignInPath(step.uid),
        csrfToken: step.csrfToken,
        error: extra.error ?? null,
        username: extra.username ?? null,
      }),
      status,
      { 'cache-control': 'no-store' },
    );

  routes.get('/login/:uid/local', async (c) => {
    const step = await host.load(c);
    if (step instanceof Response) return step;
    return render(c, step, 200);
  });

  routes.post('/login/:uid/local', async (c) => {
    const step = await host.load(c);
    if (step instanceof Response) return step;
    const form = readPromptForm((await c.req.parseBody()) as FormBody);
    if (!step.csrfValid(form.csrf)) return render(c, step, 400, { error: 'The form was out of date. Please try again.' });
    const result = await verifyLocalSignIn(
      ctx.store,
      { username: form.username, password: form.password, clientAddress: addressOf(c) },
      { rules },
    ).catch((error: unknown) => {
      if (error instanceof RetryLaterError) return error; // no slot for the password check in time
      throw error;
    });
    if (result instanceof RetryLaterError) {
      for (const [name, value] of Object.entries(result.headers)) c.header(name, value);
      return render(c, step, 503, { error: 'The server is busy. Please try again in a moment.', username: form.username });
    }
    if (result.ok) return host.finish(c, step, result.userId);
    if (result.code === 'too_many_attempts') {
      c.header('retry-after', String(result.retryAfterSeconds ?? 60));
      return render(c, step, 429, { error: result.message, username: form.username });
    }
    return render(c, step, result.code === 'account_unavailable' ? 403 : 400, { error: result.message, username: form.username });
  });

  return routes;
}
