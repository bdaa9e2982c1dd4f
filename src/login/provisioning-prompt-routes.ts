// The built-in provisioning prompt pages at /login/:uid/provision?pending=<id>, ready for the login
// interaction to mount. GET shows what is still to ask (or sends the browser to the external page with a
// context token); POST takes the answers: a refused answer re-renders the page with its problems, a
// refusal ends the login through the host, and a provisioned user finishes it through the host.
//
// The host (the interaction) supplies three things only: load the interaction named in the path (its
// cookie checked) with the app's name and CSRF helpers, finish the login with a user, and refuse it.
import { Hono, type Context } from 'hono';
import type { AppContext, AppEnv } from '../http/index.js';
import { createContextTokens, type ContextTokens, describePrompt, submitPrompt, type PromptScreen } from '../provisioning/index.js';
import { findIdentityProvider, consumePendingProvisioning, findPendingProvisioning, readSettings } from '../store/index.js';
import { AS_IN_USERNAME } from '../domain/index.js';
import { readPromptForm, type FormBody } from './pages/forms.js';
import { promptPage } from './pages/prompt-page.js';
import { PROVISIONING_COMPLETION_PATH, provisioningPromptPath } from './provisioning-paths.js';

type C = Context<AppEnv>;

export interface PromptHostStep {
  uid: string;
  appName: string;
  csrfToken: string;
  csrfValid(presented: unknown): boolean;
}

export interface PromptHost {
  /** The interaction named in the path, checked against its cookie; a Response (error page) when it cannot be used. */
  load(c: C): Promise<PromptHostStep | Response>;
  /** Ends the interaction signed in as this local user. */
  finish(c: C, step: PromptHostStep, userId: string): Promise<Response>;
  /** Ends the interaction refused: a page for the person, access_denied (with `description`) for the app. */
  refuse(c: C, step: PromptHostStep, title: string, message: string, description: string): Promise<Response>;
}

/** Where the interaction sends the browser when a login is paused on prompts. */
export { provisioningPromptPath };

export function provisioningPromptRoutes(ctx: AppContext, host: PromptHost) {
  const routes = new Hono<AppEnv>();
  let tokens: ContextTokens | null = null;
  const contextTokens = () => (tokens ??= createContextTokens({ store: ctx.store, issuer: ctx.config.publicUrl }));

  /** The interaction, its paused provisioning and the IdP, or the Response that ends the request. */
  async function loadAll(c: C) {
    const step = await host.load(c);
    if (step instanceof Response) return step;
    const pendingId = c.req.query('pending') ?? '';
    const pending = pendingId ? await findPendingProvisioning(ctx.store.db, pendingId, step.uid) : undefined;
    const idp = pending ? await findIdentityProvider(ctx.store.db, pending.idpId) : undefined;
    if (!pending || !idp) {
      return host.refuse(
        c,
        step,
        'This sign-in has expired',
        'The account set-up took too long or was already finished. Sign in again.',
        'pending provisioning missing or expired',
      );
    }
    const settings = (await readSettings(ctx.store.db)).jit;
    return { step, pending, idp, settings, action: provisioningPromptPath(step.uid, pending.id) };
  }

  /** Ends the login refused; the paused provisioning is spent, so going back and answering again makes nothing. */
  const stop = async (
    c: C,
    loaded: Exclude<Awaited<ReturnType<typeof loadAll>>, Response>,
    title: string,
    message: string,
    description: string,
  ) => {
    await consumePendingProvisioning(ctx.store.db, loaded.pending.id, loaded.step.uid);
    return host.refuse(c, loaded.step, title, message, description);
  };

  const render = async (
    c: C,
    status: 200 | 400,
    screen: PromptScreen,
    loaded: Exclude<Awaited<ReturnType<typeof loadAll>>, Response>,
    extra: Parameters<typeof promptPage>[1] extends infer O ? Partial<O> : never = {},
  ) =>
    c.html(
      await promptPage(screen, {
        appName: loaded.step.appName,
        idpName: loaded.idp.name,
        action: loaded.action,
        csrfToken: loaded.step.csrfToken,
        domainInUsername: loaded.idp.jit.userstore.toUpperCase() === AS_IN_USERNAME,
        ...extra,
      }),
      status,
      { 'cache-control': 'no-store' },
    );

  routes.get('/login/:uid/provision', async (c) => {
    const loaded = await loadAll(c);
    if (loaded instanceof Response) return loaded;
    const screen = await describePrompt(ctx.store, loaded.idp, loaded.pending, loaded.settings);
    if ('kind' in screen) return stop(c, loaded, 'No account could be created', screen.message, `${screen.code}: ${screen.message}`);
    if (screen.page.kind === 'external') {
      const issued = await contextTokens().issue(screen.page.url, {
        step: screen.page.step,
        pendingId: loaded.pending.id,
        appName: loaded.step.appName,
        username: screen.username,
        completionUrl: `${ctx.config.publicUrl}${PROVISIONING_COMPLETION_PATH}`,
      });
      return c.redirect(issued.redirectUrl, 303);
    }
    // Nothing left to ask (an external page took the password, and no consent purpose touches this
    // person's data): finish without showing an empty page.
    if (!screen.ask.username && !screen.ask.password && !screen.consent?.purposes.length) {
      const result = await submitPrompt(ctx.store, loaded.idp, loaded.pending, loaded.settings, {
        username: '',
        password: '',
        confirmation: '',
        consent: { decision: 'approve', accepted: new Set() },
      });
      if (result.kind === 'done') return host.finish(c, loaded.step, result.userId);
      if (result.kind === 'stopped') return stop(c, loaded, 'No account was created', result.message, `${result.code}: ${result.message}`);
    }
    return render(c, 200, screen, loaded);
  });

  routes.post('/login/:uid/provision', async (c) => {
    const loaded = await loadAll(c);
    if (loaded instanceof Response) return loaded;
    // All values: the consent checkboxes repeat one name.
    const form = readPromptForm((await c.req.parseBody({ all: true })) as FormBody);
    if (!loaded.step.csrfValid(form.csrf)) {
      return stop(
        c,
        loaded,
        'Please try again',
        'The form was out of date or did not come from this site.',
        'csrf token mismatch on the provisioning page',
      );
    }
    const result = await submitPrompt(ctx.store, loaded.idp, loaded.pending, loaded.settings, form);
    if (result.kind === 'retry') {
      return render(c, 400, result.screen, loaded, {
        error: result.message,
        problems: result.problems,
        checked: form.consent.accepted,
        username: result.screen.username,
      });
    }
    if (result.kind === 'stopped') return stop(c, loaded, 'No account was created', result.message, `${result.code}: ${result.message}`);
    return host.finish(c, loaded.step, result.userId);
  });

  return routes;
}
