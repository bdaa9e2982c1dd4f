// An upstream login from start to finish, as a pipeline of named steps:
//   start:    check return_to → load the IdP → protocol request → keep the flow (state/nonce/PKCE or request id)
//   callback: consume the flow (single use) → verify (protocol connector) → replay check → provision → outcome,
//             handed to the login's starter in the same response when it takes it (OutcomeHandoff), else stored
// Both protocols end in one FederatedIdentity; the provisioning core never learns which one it came by.
import { randomBytes } from 'node:crypto';
import { AppError, invalidInput, notFound, type FederatedIdentity } from '../domain/index.js';
import type { AppContext } from '../http/index.js';
import { provisionLogin, pauseForPrompts } from '../provisioning/index.js';
import {
  recordAudit,
  consumeFederationFlow,
  consumeFederationFlowWithIdp,
  insertFederationFlow,
  type FederationFlow,
  findIdentityProvider,
  findIdentityProviderSecrets,
  type IdentityProviderRecord,
  saveLoginResult,
  type NewLoginResult,
  rememberAssertionId,
} from '../store/index.js';
import { FederationError, UnknownFlowError } from './errors.js';
import { finishOidcLogin, oidcConfiguration, startOidcLogin } from './oidc.js';
import { finishSamlLogin, startSamlLogin } from './saml.js';

export type FederationContext = Pick<AppContext, 'config' | 'store' | 'logger' | 'metrics'>;

export interface BeginLogin {
  idpId: string;
  /** A path on this server (`/…`), where the person goes with `login_result=<id>` appended. */
  returnTo: string;
  /** Kept with the flow and handed back in the login result (for example `{ interactionUid }`). */
  context?: unknown;
}

/** Accepts only a relative path on this server: anything else would make /start an open redirect. */
export function checkReturnTo(returnTo: string, publicUrl: string): string {
  const bad = () =>
    invalidInput('invalid_return_to', 'return_to must be a path on this server, such as /done', [
      { field: 'return_to', message: 'not a local path' },
    ]);
  // `//host` and `/\host` are protocol-relative in browsers; control characters can hide either.
  if (!returnTo.startsWith('/') || returnTo.startsWith('//') || returnTo.startsWith('/\\') || /[\u0000-\u001f\u007f\\]/.test(returnTo))
    throw bad();
  if (returnTo.length > 2000) throw bad();
  const base = new URL(publicUrl);
  const resolved = new URL(returnTo, base);
  if (resolved.origin !== base.origin) throw bad();
  const path = `${resolved.pathname}${resolved.search}${resolved.hash}`;
  // Dot segments can turn a harmless path into a protocol-relative one: `/..//evil.example` → `//evil.example`.
  if (path.startsWith('//') || path.startsWith('/\\')) throw bad();
  return path;
}

async function loadEnabled(ctx: FederationContext, idpId: string): Promise<IdentityProviderRecord> {
  const idp = await findIdentityProvider(ctx.store.db, idpId);
  if (!idp) throw notFound('identity_provider_not_found', 'No such identity provider');
  if (!idp.enabled) throw new AppError('forbidden', 'identity_provider_disabled', 'This identity provider is disabled');
  return idp;
}

const redirectUri = (publicUrl: string, idpId: string) => `${publicUrl}/federation/${idpId}/callback`;

/** Starts an upstream login (server side); the caller sends the person to `redirectUrl`. `flowId` names the flow. */
export async function beginUpstreamLogin(ctx: FederationContext, input: BeginLogin): Promise<{ redirectUrl: string; flowId: string }> {
  const returnTo = checkReturnTo(input.returnTo, ctx.config.publicUrl);
  const idp = await loadEnabled(ctx, input.idpId);
  if (idp.protocol === 'oidc') {
    const { clientSecret } = await findIdentityProviderSecrets(ctx.store.db, ctx.store.secrets, idp.id);
    let start: Awaited<ReturnType<typeof startOidcLogin>>;
    try {
      start = await startOidcLogin(
        await oidcConfiguration(idp, clientSecret, ctx.config.upstreamClockToleranceSeconds),
        idp,
        redirectUri(ctx.config.publicUrl, idp.id),
      );
    } catch (error) {
      ctx.logger.warn({ err: error, idpId: idp.id }, 'upstream OIDC login could not start');
      throw new AppError('unavailable', 'upstream_unavailable', 'The identity provider cannot be reached');
    }
    await insertFederationFlow(ctx.store.db, {
      id: start.state,
      idpId: idp.id,
      protocol: 'oidc',
      nonce: start.nonce,
      codeVerifier: start.codeVerifier,
      returnTo,
      context: input.context ?? null,
    });
    return { redirectUrl: start.redirectUrl, flowId: start.state };
  }
  const flowId = randomBytes(24).toString('base64url');
  const start = startSamlLogin(idp, ctx.config.publicUrl, flowId);
  await insertFederationFlow(ctx.store.db, {
    id: flowId,
    idpId: idp.id,
    protocol: 'saml',
    samlRequestId: start.requestId,
    returnTo,
    context: input.context ?? null,
  });
  return { redirectUrl: start.redirectUrl, flowId };
}

function withParam(returnTo: string, name: string, value: string): string {
  const url = new URL(returnTo, 'http://x');
  url.searchParams.set(name, value);
  return `${url.pathname}${url.search}${url.hash}`;
}

/**
 * What an upstream login came to, as whoever started it reads it: the fields of a stored login result, and, handed
 * over in place, whether provisioning just read the user active and unlocked (so the starter need not read it again).
 */
export type LoginOutcome = Omit<NewLoginResult, 'ttlSeconds'> & { accountUsable?: boolean };

/**
 * Lets the starter of a login take the outcome in the callback's own response, instead of reading a stored login
 * result after one more redirect. Asked once the flow is consumed, before the upstream answer is verified (so the
 * starter can read what it needs meanwhile); it answers null to decline, else a receiver that is then called
 * exactly once, with the outcome, success or not.
 */
export type OutcomeHandoff<R> = (flow: FederationFlow) => Promise<((outcome: LoginOutcome) => Promise<R>) | null>;

/** Where the callback sends the person: `location` with a stored login result, or what the handoff answered. */
export type Completion<R> = { location: string } | { handedOff: R };

/** The verified identity's fate: provision, then hand the outcome over or save it as a login result. */
async function finish<R>(
  ctx: FederationContext,
  idp: IdentityProviderRecord,
  flow: FederationFlow,
  verify: () => Promise<FederatedIdentity>,
  handoff: OutcomeHandoff<R> | undefined,
): Promise<Completion<R>> {
  const receiver = handoff ? await handoff(flow) : null;
  const base = { flowId: flow.id, idpId: idp.id, context: flow.context };
  let outcome: LoginOutcome;
  let outcomeLabel = 'success';
  let failure: { error: FederationError; refused: boolean; reference?: string } | null = null;
  try {
    // Checked here, after the flow is used up: an IdP disabled mid-login ends that login with an answer.
    if (!idp.enabled) throw new FederationError('identity_provider_disabled', 'This identity provider is disabled');
    const identity = await verify();
    const common = { ...base, subject: identity.subject, authnContext: identity.authnContext };
    // A prompting JIT scheme asks the person first (consent, password, username): the identity waits as a
    // pending provisioning and the login interaction hands the browser to the prompt pages. Only a login
    // started by an interaction can be paused (a bare /federation/start has nowhere to show the pages).
    const interactionUid = (flow.context as { interactionUid?: unknown } | null)?.interactionUid;
    const paused = typeof interactionUid === 'string' ? await pauseForPrompts(ctx.store, idp, identity, interactionUid) : null;
    const provisioning = paused
      ? ({ kind: 'paused', pendingId: paused.pendingId } as const)
      : await provisionLogin({ store: ctx.store, logger: ctx.logger, metrics: ctx.metrics }, idp, identity);
    if (provisioning.kind === 'paused') {
      outcomeLabel = 'prompted';
      outcome = { ...common, userId: null, outcome: 'pending', claims: { pendingId: provisioning.pendingId } };
    } else if (provisioning.kind === 'user') {
      outcome = { ...common, userId: provisioning.userId, outcome: 'success', ...(provisioning.usable ? { accountUsable: true } : {}) };
    } else if (provisioning.kind === 'passthrough') {
      outcome = { ...common, userId: null, outcome: 'success', claims: provisioning.claims };
    } else {
      // The provisioning core audits its own refusals. Their detail may name a local account ("a local user named
      // 'carol' exists"): it goes to the log and the audit event under a reference, never to the person or the app.
      outcomeLabel = provisioning.code;
      const reference = newReference();
      ctx.logger.warn({ reference, code: provisioning.code, detail: provisioning.message, idpId: idp.id }, 'provisioning refused a login');
      failure = { error: new FederationError(provisioning.code, provisioning.message), refused: true, reference };
      outcome = {
        ...common,
        userId: null,
        outcome: 'failure',
        errorCode: provisioning.code,
        errorMessage: refusedMessage(provisioning.code, reference),
      };
    }
  } catch (caught) {
    // Whatever went wrong, the person gets an answer: the flow is already used up.
    const error =
      caught instanceof FederationError
        ? caught
        : caught instanceof AppError && caught.expose
          ? new FederationError(caught.code, caught.message, { cause: caught })
          : new FederationError('login_failed', 'The sign-in could not be completed', { cause: caught });
    if (caught instanceof FederationError)
      ctx.logger.warn({ err: error.cause ?? error, code: error.code, idpId: idp.id }, 'upstream login refused');
    else ctx.logger.error({ err: caught, code: error.code, idpId: idp.id }, 'upstream login failed');
    outcomeLabel = error.code;
    failure = { error, refused: caught instanceof FederationError };
    outcome = { ...base, subject: null, userId: null, outcome: 'failure', errorCode: error.code, errorMessage: error.message };
  }
  ctx.metrics.federationLogins.inc({ idp: idp.id, protocol: idp.protocol, result: outcomeLabel });
  const audit = failure
    ? (executor: Parameters<typeof recordAudit>[0]) =>
        recordAudit(executor, {
          actorType: 'idp',
          actorId: idp.id,
          action: 'federation.login',
          targetType: 'identity_provider',
          targetId: idp.id,
          outcome: failure.refused ? 'refused' : 'failure',
          reason: failure.error.code,
          details: {
            protocol: idp.protocol,
            message: failure.error.message,
            ...(failure.reference ? { reference: failure.reference } : {}),
          },
        })
    : null;
  if (receiver) {
    if (audit) await audit(ctx.store.db);
    return { handedOff: await receiver(outcome) };
  }
  const resultId = audit
    ? await ctx.store.transaction(async (tx) => {
        await audit(tx);
        return saveLoginResult(tx, outcome);
      })
    : await saveLoginResult(ctx.store.db, outcome);
  return { location: withParam(flow.returnTo, 'login_result', resultId) };
}

/** A short id a person can quote to support; the log and the audit event carry the detail under it. */
export const newReference = () => randomBytes(6).toString('hex').toUpperCase();

/** What the person and the app learn of a refused provisioning: nothing about local accounts. */
const refusedMessage = (code: string, reference: string) =>
  // The person's own linked account (they just proved who they are upstream): saying it is locked tells them
  // nothing about anyone else, and tells them what to ask for.
  code === 'user_locked' || code === 'link_locked'
    ? `Your account is locked. Ask your administrator to unlock it, quoting reference ${reference}.`
    : `Your account could not be set up for this sign-in. Contact your administrator and quote reference ${reference}.`;

/** GET /federation/:idpId/callback (OIDC redirect URI). Throws UnknownFlowError when the state is not ours. */
export async function completeOidcLogin<R>(
  ctx: FederationContext,
  idpId: string,
  callbackQuery: URLSearchParams,
  handoff?: OutcomeHandoff<R>,
): Promise<Completion<R>> {
  const state = callbackQuery.get('state');
  if (!state) throw new UnknownFlowError('no login in progress');
  const found = await consumeFederationFlowWithIdp(ctx.store.db, ctx.store.secrets, idpId, state);
  if (!found || found.idp.idp.protocol !== 'oidc' || found.flow.protocol !== 'oidc')
    throw new UnknownFlowError('no login in progress for this state');
  const { flow, idp: loaded } = found;
  const idp = loaded.idp;
  return finish(
    ctx,
    idp,
    flow,
    async () => {
      const { clientSecret } = loaded.secrets();
      const tolerance = ctx.config.upstreamClockToleranceSeconds;
      const config = await oidcConfiguration(idp, clientSecret, tolerance);
      // The URL as registered (PUBLIC_URL), not as this instance happened to be reached.
      const url = new URL(redirectUri(ctx.config.publicUrl, idp.id));
      url.search = callbackQuery.toString();
      return finishOidcLogin(config, idp, flow, url, tolerance);
    },
    handoff,
  );
}

/** POST /federation/:idpId/saml/acs. The RelayState names our flow; InResponseTo must be that flow's request. */
export async function completeSamlLogin<R>(
  ctx: FederationContext,
  idpId: string,
  form: { SAMLResponse?: string; RelayState?: string },
  handoff?: OutcomeHandoff<R>,
): Promise<Completion<R>> {
  const idp = await findIdentityProvider(ctx.store.db, idpId);
  if (!idp || idp.protocol !== 'saml' || !form.RelayState) throw new UnknownFlowError('no login in progress');
  const flow = await consumeFederationFlow(ctx.store.db, idp.id, form.RelayState);
  if (!flow || flow.protocol !== 'saml' || !flow.samlRequestId) throw new UnknownFlowError('no login in progress for this RelayState');
  return finish(
    ctx,
    idp,
    flow,
    async () => {
      if (!form.SAMLResponse) throw new FederationError('saml_malformed', 'No SAMLResponse was posted');
      const { identity, assertion } = await finishSamlLogin(idp, ctx.config.publicUrl, form.SAMLResponse, flow.samlRequestId!);
      // One-time use (Profiles §4.1.4.5): an assertion id seen before is a replay, even inside a fresh flow.
      if (!(await rememberAssertionId(ctx.store.db, idp.id, assertion.id, assertion.notOnOrAfter))) {
        throw new FederationError('saml_assertion_replayed', 'This assertion was already used');
      }
      return identity;
    },
    handoff,
  );
}
