// Step: finish the federated login. The upstream callback (OIDC redirect URI, SAML ACS) is verified by the
// federation edge into an identity, which provision-identity.ts turns into an outcome. Then one of two ways to the
// same finish: in place, when this browser holds the cookie set where the flow began (flow-binding.ts: it is the
// browser of the interaction that began it); or stored as a login result that /login/:uid/federated takes after
// one more redirect, the interaction cookie proving the browser there (also the bare /federation/start's way).
// The finish: signed in as the provisioned user or a pairwise account (JIT off), prompts first when the JIT scheme
// asks, or a refusal whose words the app learns, never its code.
import { getCookie } from 'hono/cookie';
import { AppError, type AuthnContext } from '../../domain/index.js';
import { UnknownFlowError, verifyOidcCallback, verifySamlCallback, type VerifiedCallback } from '../../federation/index.js';
import { consumeLoginResult, recordAudit, saveLoginResult, type FederationFlow } from '../../store/index.js';
import { clearFlowBinding, FLOW_BINDING_COOKIE, flowBindingMatches } from '../flow-binding.js';
import { provisioningPromptPath } from '../provisioning-paths.js';
import { refuse, signIn } from './hand-off.js';
import { withApp } from './load-interaction.js';
import { showExpired } from './pages.js';
import { pauseLogin } from './prompts.js';
import { missingClaims, provisionIdentity, type LoginOutcome } from './provision-identity.js';
import { UID, type C, type LoginDeps, type Step } from './types.js';

const NO_FLOW_PAGE =
  'This sign-in response does not belong to a sign-in in progress (it expired, was already used, or was not started here). Please start again.';

/** An answer we cannot tie to a login we started: a plain 400 page, nothing stored. */
const noFlow = (error: unknown): never => {
  if (error instanceof UnknownFlowError) throw new AppError('invalid_input', 'unknown_login_state', NO_FLOW_PAGE, [], { cause: error });
  throw error;
};

/** The interaction a bound flow belongs to, when this browser began it; else undefined (take the slower way). */
async function boundInteraction(deps: LoginDeps, c: C, flow: FederationFlow) {
  const uid = (flow.context as { interactionUid?: unknown } | null)?.interactionUid;
  if (typeof uid !== 'string' || !UID.test(uid)) return undefined;
  if (!flowBindingMatches(await deps.protocol.cookieKeys(), flow.id, getCookie(c, FLOW_BINDING_COOKIE))) return undefined;
  return uid;
}

/** After the federation edge verified the callback: provision, then finish in place or store the outcome. */
export async function finishCallback(deps: LoginDeps, c: C, verified: VerifiedCallback): Promise<Response> {
  const { ctx } = deps;
  const { flow, idp } = verified;
  const bound = await boundInteraction(deps, c, flow);
  const { outcome, audit } = await provisionIdentity(ctx, verified);
  c.header('cache-control', 'no-store');
  if (bound !== undefined) {
    if (audit) await recordAudit(ctx.store.db, audit);
    c.header('set-cookie', clearFlowBinding(idp.id, ctx.config.publicUrl.startsWith('https:')), { append: true });
    const interaction = await deps.protocol.find(bound);
    if (!interaction) return showExpired(ctx, c);
    const step = await withApp(deps, c, interaction);
    return step instanceof Response ? step : finishFederated(deps, c, step, outcome);
  }
  const resultId = audit
    ? await ctx.store.transaction(async (tx) => {
        await recordAudit(tx, audit);
        return saveLoginResult(tx, outcome);
      })
    : await saveLoginResult(ctx.store.db, outcome);
  const url = new URL(flow.returnTo, 'http://x');
  url.searchParams.set('login_result', resultId);
  return c.redirect(`${url.pathname}${url.search}${url.hash}`, 303);
}

/** GET /federation/:idpId/callback. */
export async function oidcCallback(deps: LoginDeps, c: C): Promise<Response> {
  const query = new URL(c.req.url).searchParams;
  const verified = await verifyOidcCallback(deps.ctx, c.req.param('idpId') ?? '', query, missingClaims).catch(noFlow);
  return finishCallback(deps, c, verified);
}

/** POST /federation/:idpId/saml/acs (the body is limited in front of every route: src/body-limit-rules.ts). */
export async function samlCallback(deps: LoginDeps, c: C): Promise<Response> {
  const form = await c.req.parseBody();
  const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : undefined);
  const posted = { SAMLResponse: field('SAMLResponse'), RelayState: field('RelayState') };
  const verified = await verifySamlCallback(deps.ctx, c.req.param('idpId') ?? '', posted).catch(noFlow);
  return finishCallback(deps, c, verified);
}

/** GET /login/:uid/federated: the stored outcome, which must be this interaction's. */
export async function takeLoginResult(deps: LoginDeps, c: C, step: Step): Promise<Response> {
  const id = c.req.query('login_result') ?? '';
  const row = id && id.length <= 100 ? await consumeLoginResult(deps.ctx.store.db, id) : undefined;
  const context = (row?.context ?? {}) as { interactionUid?: unknown };
  if (!row || context.interactionUid !== step.interaction.uid) {
    const why = {
      title: 'This sign-in has expired',
      message: 'The answer from your organisation’s sign-in was already used or has expired.',
      description: 'login result missing, expired, reused or not issued for this interaction',
    };
    return refuse(deps, c, step, why, 400);
  }
  return finishFederated(deps, c, step, {
    flowId: row.flowId,
    idpId: row.idpId,
    subject: row.subject,
    userId: row.userId,
    outcome: row.outcome as LoginOutcome['outcome'],
    errorCode: row.errorCode,
    errorMessage: row.errorMessage,
    claims: row.claims as Record<string, unknown> | null,
    authnContext: row.authnContext,
    context: row.context,
  });
}

/** The finish, on an outcome known to be this interaction's. */
export async function finishFederated(deps: LoginDeps, c: C, step: Step, outcome: LoginOutcome): Promise<Response> {
  const allowed = step.app.identityProviders.includes(outcome.idpId);
  const pendingId = (outcome.claims as { pendingId?: unknown } | null | undefined)?.pendingId;
  if (outcome.outcome === 'pending' && typeof pendingId === 'string' && allowed) {
    // The JIT scheme asks the person first (consent, password, username): the prompt pages take over.
    await pauseLogin(deps, step, outcome.idpId, outcome.authnContext ?? null);
    deps.ctx.metrics.appSignIns.inc({ result: 'prompted' });
    return c.redirect(provisioningPromptPath(step.interaction.uid, pendingId), 303);
  }
  if (outcome.outcome !== 'success') {
    const message = outcome.errorMessage || 'Your organisation’s sign-in did not let you in.';
    // The app learns the words the person saw, not the code: a code such as username_taken would tell it that a
    // local account exists. The detail is in the log and the audit event under the reference in the message.
    return refuse(deps, c, step, {
      title: 'You could not be signed in',
      message,
      description: outcome.errorMessage ?? 'the upstream login failed',
    });
  }
  if (!allowed) {
    return refuse(deps, c, step, {
      title: 'Sign-in method not allowed',
      message: `${step.app.name} does not accept this sign-in method.`,
      description: `identity provider ${outcome.idpId} is not allowed for this application`,
    });
  }
  const authn = (outcome.authnContext ?? {}) as Partial<AuthnContext>;
  const accountId =
    outcome.userId ??
    (await deps.protocol.federatedAccount(
      outcome.idpId,
      outcome.subject ?? '',
      (outcome.claims ?? null) as Record<string, unknown> | null,
    ));
  return c.redirect(await signIn(deps, step, { idpId: outcome.idpId, accountId, authn }, outcome.accountUsable === true), 303);
}
