// The completion endpoint of external provisioning pages (settings.jit.usernameProvisioningUrl /
// passwordProvisioningUrl). The external page posts the person's answers here with the context token it
// was given. The answers are checked as the built-in pages check them (the store's username rules through
// the provisioning core, the password policy); a refused answer goes back to the external page with
// `error` and the same, still unspent token; accepted answers are recorded on the paused provisioning
// (the password only as its hash), the token is spent, and the browser continues in the login
// interaction at /login/<uid>/provision?pending=<id> (a top-level GET, which carries the interaction cookie a
// cross-site POST does not).
import { Hono, type Context } from 'hono';
import { decodeJwt } from 'jose';
import { AppError } from '../domain/index.js';
import type { AppContext, AppEnv } from '../http/index.js';
import {
  planWithChosenUsername,
  createContextTokens,
  type ContextTokens,
  type ProvisioningStep,
  type VerifiedContext,
  createProvisioningReads,
  planProvisioning,
} from '../provisioning/index.js';
import { hashNewPassword } from '../accounts/index.js';
import {
  findIdentityProvider,
  findPendingProvisioningById,
  recordPendingAnswers,
  type PendingAnswers,
  readSettings,
} from '../store/index.js';
import { errorPage } from './error.js';
import { readPromptForm } from './pages/forms.js';
import { PROVISIONING_COMPLETION_PATH, provisioningPromptPath } from './provisioning-paths.js';

export { PROVISIONING_COMPLETION_PATH };

/** The step a token claims, read before verification only to pick the page URL it must be verified against. */
function claimedStep(token: string): ProvisioningStep | null {
  try {
    const step = decodeJwt(token).step;
    return step === 'username' || step === 'password' ? step : null;
  } catch {
    return null;
  }
}

export function provisioningCompletionRoutes(ctx: AppContext) {
  const routes = new Hono<AppEnv>();
  // Made on first use: route modules must not read the context while the app is being built.
  let tokens: ContextTokens | null = null;
  const contextTokens = () => (tokens ??= createContextTokens({ store: ctx.store, issuer: ctx.config.publicUrl }));

  const stop = async (c: Context<AppEnv>, status: 400 | 403, message: string, reference: string) =>
    c.html(await errorPage({ title: 'This sign-in cannot continue', message, reference }), status, { 'cache-control': 'no-store' });

  /** Back to the external page with the same token and what was wrong. */
  const back = (c: Context<AppEnv>, pageUrl: string, token: string, code: string, message: string) => {
    const url = new URL(pageUrl);
    url.searchParams.set('context', token);
    url.searchParams.set('error', code);
    url.searchParams.set('error_description', message);
    return c.redirect(url.toString(), 303);
  };

  routes.post(PROVISIONING_COMPLETION_PATH, async (c) => {
    const form = await c.req.parseBody();
    const token = typeof form.context === 'string' ? form.context : '';
    const settings = await readSettings(ctx.store.db);
    const step = claimedStep(token);
    const pageUrl =
      step === 'username' ? settings.jit.usernameProvisioningUrl : step === 'password' ? settings.jit.passwordProvisioningUrl : null;
    if (!step || !pageUrl)
      return stop(
        c,
        400,
        'The answer did not come with a valid sign-in context. Start again from the application.',
        'context_token_invalid',
      );

    let verified: VerifiedContext;
    try {
      verified = await contextTokens().verify(token, { pageUrl, step });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return stop(c, 403, error.message, error.code);
    }
    const pending = await findPendingProvisioningById(ctx.store.db, verified.pendingId);
    const idp = pending ? await findIdentityProvider(ctx.store.db, pending.idpId) : undefined;
    if (!pending || !idp)
      return stop(
        c,
        400,
        'This sign-in was already completed or has expired. Start again from the application.',
        'provisioning_not_pending',
      );

    const answers = readPromptForm(form);
    const reads = createProvisioningReads(ctx.store.db);
    const recorded: PendingAnswers = {};
    let username: string | null;
    if (step === 'username') {
      const { plan, problem } = await planWithChosenUsername(reads, idp, pending.identity, answers.username);
      if (problem) return back(c, pageUrl, token, problem.code, problem.message);
      username = plan.qualifiedUserName;
      recorded.username = answers.username;
    } else {
      username = (await planProvisioning(reads, idp, pending.identity)).qualifiedUserName;
    }
    try {
      recorded.passwordHash = await hashNewPassword(answers.password, { username, confirmation: answers.confirmation });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return back(c, pageUrl, token, error.code, error.message);
    }

    const saved = await ctx.store
      .transaction(async (tx) => {
        if (!(await recordPendingAnswers(tx, pending.id, pending.interactionUid, recorded))) return false;
        await contextTokens().redeem(tx, verified);
        return true;
      })
      .catch((error: unknown) => {
        if (error instanceof AppError && error.code === 'context_token_replayed') return 'replayed' as const;
        throw error;
      });
    if (saved === 'replayed')
      return stop(c, 403, 'This answer was already received. Start again from the application.', 'context_token_replayed');
    if (!saved)
      return stop(
        c,
        400,
        'This sign-in was already completed or has expired. Start again from the application.',
        'provisioning_not_pending',
      );
    return c.redirect(provisioningPromptPath(pending.interactionUid, pending.id), 303);
  });

  return routes;
}
