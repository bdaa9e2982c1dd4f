// The login interaction at /login/:uid (oidc-provider sends the browser here with a signed, path-scoped
// cookie naming the interaction). A pipeline of small steps:
//   1. read the interaction and its app   2. pick the IdP (the `idp` parameter, the app's only IdP, or the
//   chooser)   3. check the IdP is allowed for the app   4. start the upstream login (federation edge)
//   5. on return, take the login's outcome, check it belongs to this interaction
//   6. finish: the account is the provisioned user, or a pairwise account when JIT is off; an outcome
//      `pending` (claims.pendingId: the JIT scheme prompts first) goes to the prompt pages of src/login,
//      which end the interaction through the host at the bottom of this file.
// The common case takes two redirects fewer: when steps 2–3 need no page, the authorization endpoint starts
// the upstream login itself (`directStart`), and when the browser proves it began the upstream login
// (flow-binding.ts) the federation callback takes the outcome in place (`handoff`) instead of storing it for
// /login/:uid/federated. Both end in the same steps 5–6.
// Errors a person can meet are shown on a page whose "back" link hands the app `error=access_denied`.
import { Hono, type Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { errors, type InteractionResults, type KoaContextWithOIDC } from 'oidc-provider';
import { AppError, type AuthnContext } from '../domain/index.js';
import type { LoginHandoff, LoginOutcome } from '../federation/index.js';
import type { AppContext, AppEnv } from '../http/index.js';
import {
  chooserPage,
  consentPage,
  csrfToken,
  csrfTokenMatches,
  errorPage,
  localSignInPath,
  localSignInRoutes,
  provisioningPromptPath,
  provisioningPromptRoutes,
  type PromptHost,
  type PromptHostStep,
} from '../login/index.js';
import {
  destroyOidcPayload,
  findOidcPayload,
  upsertOidcPayload,
  findApplicationByClientIdCached,
  type Application,
  findIdentityProviderWithSecrets,
  type IdentityProviderWithSecrets,
  findIdentityProviderWithSecretsCached,
  FLOW_TTL_SECONDS,
  type FederationFlow,
  consumeLoginResult,
  deleteFederationFlowsOfInteraction,
} from '../store/index.js';
import { pairwiseAccountId, saveFederatedAccount } from './account.js';
import { claimsFromFederated, SCOPE_CLAIMS, SUPPORTED_SCOPES } from './claims.js';
import {
  clearFlowBinding,
  FLOW_BINDING_COOKIE,
  flowBindingCookie,
  flowBindingMatches,
  serializeCookie,
  type CookieToSet,
} from './flow-binding.js';
import { mfaStep, type MfaHostStep } from './mfa-step.js';
import type { ProviderKeys } from './keys.js';
import { TTL, type DirectStart, type ProviderHolder } from './provider.js';
import { RESULT_IDP_KEY } from './session-idp.js';
import type { BeginUpstreamLogin } from './upstream.js';

type C = Context<AppEnv>;
type Loaded = Awaited<ReturnType<ProviderHolder['get']>>;
type Interaction = Awaited<ReturnType<Loaded['provider']['interactionDetails']>>;

/** The interaction's routes, and its two shortcuts for the authorization endpoint and the federation callback. */
export interface InteractionEdge {
  routes: Hono<AppEnv>;
  directStart: DirectStart;
  handoff: LoginHandoff;
}

interface Step {
  current: Loaded;
  interaction: Interaction;
  app: Application;
}

const UID = /^[A-Za-z0-9_-]{10,64}$/;

export function createInteraction(ctx: AppContext, holder: ProviderHolder, begin: BeginUpstreamLogin): InteractionEdge {
  const routes = new Hono<AppEnv>();
  const secure = ctx.config.publicUrl.startsWith('https:');

  const page = async (c: C, status: 400 | 403 | 404 | 500, props: Parameters<typeof errorPage>[0]) =>
    c.html(await errorPage({ ...props, reference: props.reference ?? c.get('requestId') }), status, { 'cache-control': 'no-store' });

  /** Step 1: the interaction named by the cookie must be the one in the path; its app must exist. */
  async function load(c: C): Promise<Step | Response> {
    const uid = c.req.param('uid') ?? '';
    const current = await holder.get();
    let interaction: Interaction;
    try {
      if (!UID.test(uid)) throw new errors.SessionNotFound('malformed interaction uid');
      interaction = await current.provider.interactionDetails(c.env.incoming, c.env.outgoing);
      if (interaction.uid !== uid) throw new errors.SessionNotFound('the interaction cookie names another interaction');
    } catch (error) {
      if (!(error instanceof errors.OIDCProviderError)) ctx.logger.warn({ err: error, uid }, 'interaction could not be read');
      return expired(c);
    }
    return withApp(c, current, interaction);
  }

  const expired = (c: C) => {
    ctx.metrics.appSignIns.inc({ result: 'expired' });
    return page(c, 400, {
      title: 'This sign-in has expired',
      message:
        'The sign-in took too long, was already finished, or was started in another browser. Go back to the application and sign in again.',
      reference: 'session_not_found',
    });
  };

  async function withApp(c: C, current: Loaded, interaction: Interaction): Promise<Step | Response> {
    const app = await findApplicationByClientIdCached(ctx.store.db, String(interaction.params.client_id ?? ''));
    if (!app)
      return page(c, 400, {
        title: 'Unknown application',
        message: 'The application you came from is no longer registered.',
        reference: 'invalid_client',
      });
    return { current, interaction, app };
  }

  /**
   * Records the outcome on the interaction; returns where the browser goes next (oidc-provider's resume).
   * What provider.interactionResult does, on the interaction already read in step 1 (one database read fewer).
   */
  const result = async (_c: C, step: Step, outcome: InteractionResults) => {
    const { interaction } = step;
    interaction.result = outcome;
    // The interaction is over: the upstream login flows it began can only be replayed or abandoned now.
    await Promise.all([
      interaction.save(Math.max(1, interaction.exp - Math.floor(Date.now() / 1000))),
      deleteFederationFlowsOfInteraction(ctx.store.db, interaction.uid),
    ]);
    return interaction.returnTo;
  };

  /** Step 6: the person is signed in as `accountId`, with the upstream authentication context. */
  const completeSignIn = (c: C, step: Step, idpId: string, accountId: string, authn: Partial<AuthnContext>) => {
    ctx.metrics.appSignIns.inc({ result: 'signed_in' });
    return result(c, step, {
      [RESULT_IDP_KEY]: idpId,
      login: {
        accountId,
        remember: true,
        ...(authn.amr && authn.amr.length > 0 ? { amr: authn.amr } : {}),
        ...(authn.acr ? { acr: authn.acr } : {}),
        // `ts` stays now: an older upstream auth_time would make max_age requests loop through the upstream SSO.
      },
    });
  };

  // The app's second step (TOTP / Email OTP, src/oidc/mfa-step.ts): every way to finish goes through
  // `signIn`, which detours to /login/:uid/mfa when the sign-in flow asks for more than step 1.
  const secondStep = mfaStep(ctx, {
    load: async (c) => {
      const step = await load(c);
      if (step instanceof Response) return step;
      const uid = step.interaction.uid;
      const hosted: Step & MfaHostStep = {
        ...step,
        uid,
        appName: step.app.name,
        signInFlow: step.app.signInFlow,
        csrfToken: csrfToken(csrfKey(step), uid),
        csrfValid: (token) => csrfValid(step, token),
      };
      return hosted;
    },
    complete: (c, hosted, p) => completeSignIn(c, hosted as Step & MfaHostStep, p.idpId, p.accountId, p.authn),
    refuse: (c, hosted, title, message, description) => refuse(c, hosted as Step & MfaHostStep, title, message, description),
  });
  const signIn = async (c: C, step: Step, idpId: string, accountId: string, authn: Partial<AuthnContext>, accountUsable = false) =>
    (await secondStep.intercept(
      { uid: step.interaction.uid, signInFlow: step.app.signInFlow },
      { idpId, accountId, authn },
      accountUsable,
    )) ?? completeSignIn(c, step, idpId, accountId, authn);

  /** A failure the app learns as access_denied; the person sees why and a way back. */
  async function refuse(c: C, step: Step, title: string, message: string, description: string, status: 400 | 403 = 403) {
    ctx.metrics.appSignIns.inc({ result: 'refused' });
    const backUrl = await result(c, step, { error: 'access_denied', error_description: description });
    return page(c, status, { title, message, backUrl, appName: step.app.name });
  }

  /** An IdP as read here: its record and its sealed secrets from the same row (the upstream start needs both). */
  type LoadedIdp = IdentityProviderWithSecrets;
  const readIdp = (id: string): Promise<LoadedIdp | undefined> => findIdentityProviderWithSecrets(ctx.store.db, ctx.store.secrets, id);

  /** Step 4: the upstream login, with the cookie that lets its callback finish in place (flow-binding.ts). */
  async function beginBound(keys: ProviderKeys, uid: string, loaded: LoadedIdp): Promise<{ redirectUrl: string; cookie: CookieToSet }> {
    const { idp } = loaded;
    const { redirectUrl, flowId } = await begin(ctx, {
      idpId: idp.id,
      returnTo: `/login/${uid}/federated`,
      context: { interactionUid: uid },
    });
    const cookie = flowBindingCookie(keys.cookieKeys[0]!, idp.id, flowId, { secure, maxAgeSeconds: FLOW_TTL_SECONDS });
    return { redirectUrl, cookie };
  }

  /** Steps 3 and 4: an allowed, enabled IdP → the upstream login. */
  async function startUpstream(c: C, step: Step, idpId: string, preloaded?: LoadedIdp) {
    const loaded = step.app.identityProviders.includes(idpId) ? (preloaded ?? (await readIdp(idpId))) : undefined;
    const idp = loaded?.idp;
    if (!idp || !idp.enabled) {
      ctx.metrics.appSignIns.inc({ result: 'refused' });
      const returnTo = await result(c, step, {
        error: 'access_denied',
        error_description: `identity provider ${idpId} is not allowed for this application`,
      });
      return c.redirect(returnTo, 303);
    }
    try {
      const { redirectUrl, cookie } = await beginBound(step.current.keys, step.interaction.uid, loaded);
      c.header('set-cookie', serializeCookie(cookie), { append: true });
      return c.redirect(redirectUrl, 303);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      ctx.logger.warn({ err: error, idpId }, 'upstream login could not start');
      const unavailable = error.code === 'upstream_unavailable';
      return refuse(
        c,
        step,
        unavailable ? 'Your organisation’s sign-in is unavailable' : 'Sign-in method unavailable',
        unavailable
          ? `${idp.name} cannot be reached right now. Try again in a few minutes.`
          : `${idp.name} cannot be used to sign in right now.`,
        `${error.code}: ${error.message}`,
      );
    }
  }

  const csrfKey = (step: Step) => step.current.keys.cookieKeys[0]!;
  const csrfValid = (step: Step, token: unknown) =>
    step.current.keys.cookieKeys.some((key) => csrfTokenMatches(key, step.interaction.uid, token));

  /** Step 2: which IdP. */
  /**
   * The consent prompt (`prompt=consent`, as clients asking for offline_access send, or scopes a third-party app has
   * not been granted yet): the person is signed in already, so it is never another login. A first-party app's consent
   * is recorded on the grant without a page; a third-party app gets the consent page (POST /login/:uid/consent).
   */
  async function askConsent(c: C, step: Step): Promise<Response> {
    if (step.app.oidc.firstParty !== false) return recordConsent(c, step);
    const { interaction } = step;
    if (!interaction.session?.accountId) return expired(c);
    const details = interaction.prompt.details as { missingOIDCClaims?: string[] };
    const requested = String(interaction.params.scope ?? '')
      .split(' ')
      .filter((scope) => (SUPPORTED_SCOPES as readonly string[]).includes(scope));
    return c.html(
      await consentPage({
        appName: step.app.name,
        action: `/login/${interaction.uid}/consent`,
        csrfToken: csrfToken(csrfKey(step), interaction.uid),
        scopes: requested.map((scope) => ({ scope, claims: [...((SCOPE_CLAIMS as Record<string, readonly string[]>)[scope] ?? [])] })),
        claims: details.missingOIDCClaims ?? [],
      }),
      200,
      { 'cache-control': 'no-store' },
    );
  }

  /** Consent to what the app asks, on the grant; ends the interaction. */
  async function recordConsent(c: C, step: Step): Promise<Response> {
    const { interaction, current } = step;
    const accountId = interaction.session?.accountId;
    if (!accountId) return expired(c);
    const clientId = String(interaction.params.client_id ?? '');
    let grant = interaction.grantId ? await current.provider.Grant.find(interaction.grantId) : undefined;
    if (grant && (grant.accountId !== accountId || grant.clientId !== clientId)) grant = undefined;
    grant ??= new current.provider.Grant({ accountId, clientId });
    const details = interaction.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    const scopes = [...new Set([...String(interaction.params.scope ?? '').split(' '), ...(details.missingOIDCScope ?? [])])].filter(
      Boolean,
    );
    if (scopes.length > 0) grant.addOIDCScope(scopes.join(' '));
    if (details.missingOIDCClaims?.length) grant.addOIDCClaims(details.missingOIDCClaims);
    const grantId = await grant.save();
    ctx.metrics.appSignIns.inc({ result: 'consented' });
    return c.redirect(await result(c, step, { ...(interaction.lastSubmission ?? {}), consent: { grantId } }), 303);
  }

  routes.get('/login/:uid', async (c) => {
    const step = await load(c);
    if (step instanceof Response) return step;
    if (step.interaction.prompt.name === 'consent') return askConsent(c, step);
    const requested = step.interaction.params.idp;
    if (typeof requested === 'string' && requested !== '') return startUpstream(c, step, requested);
    const loaded = (await Promise.all(step.app.identityProviders.map(readIdp))).filter((found): found is LoadedIdp =>
      Boolean(found?.idp.enabled),
    );
    const providers = loaded.map((found) => found.idp);
    const local = offersLocal(step.app);
    if (providers.length === 0 && local) return c.redirect(localSignInPath(step.interaction.uid), 303);
    if (providers.length === 0) {
      return refuse(
        c,
        step,
        'No way to sign in',
        `${step.app.name} has no sign-in method configured. Ask its administrator to add an identity provider.`,
        'the application has no enabled identity provider',
      );
    }
    if (providers.length === 1 && !local) return startUpstream(c, step, providers[0]!.id, loaded[0]);
    const uid = step.interaction.uid;
    return c.html(
      await chooserPage({
        appName: step.app.name,
        action: `/login/${uid}`,
        cancelAction: `/login/${uid}/cancel`,
        csrfToken: csrfToken(csrfKey(step), uid),
        providers: providers.map((p) => ({ id: p.id, name: p.name, protocol: p.protocol })),
        ...(local ? { localHref: localSignInPath(uid) } : {}),
      }),
      200,
      { 'cache-control': 'no-store' },
    );
  });

  /** The consent page's answer (third-party apps). */
  routes.post('/login/:uid/consent', async (c) => {
    const step = await load(c);
    if (step instanceof Response) return step;
    const form = await c.req.parseBody();
    if (!csrfValid(step, form.csrf) || step.interaction.prompt.name !== 'consent')
      return page(c, 400, {
        title: 'Please try again',
        message: 'The form was out of date or did not come from this site.',
        reference: 'csrf',
      });
    if (form.decision === 'allow') return recordConsent(c, step);
    ctx.metrics.appSignIns.inc({ result: 'refused' });
    const back = await result(c, step, { error: 'access_denied', error_description: 'the person did not allow the application' });
    return c.redirect(back, 303);
  });

  /** The chooser's answer. */
  routes.post('/login/:uid', async (c) => {
    const step = await load(c);
    if (step instanceof Response) return step;
    const form = await c.req.parseBody();
    if (!csrfValid(step, form.csrf))
      return page(c, 400, {
        title: 'Please try again',
        message: 'The form was out of date or did not come from this site.',
        reference: 'csrf',
      });
    const idp = typeof form.idp === 'string' ? form.idp : '';
    if (!idp) return page(c, 400, { title: 'Choose a sign-in method', message: 'Pick one of the listed organisations to continue.' });
    return startUpstream(c, step, idp);
  });

  routes.post('/login/:uid/cancel', async (c) => {
    const step = await load(c);
    if (step instanceof Response) return step;
    const form = await c.req.parseBody();
    if (!csrfValid(step, form.csrf))
      return page(c, 400, {
        title: 'Please try again',
        message: 'The form was out of date or did not come from this site.',
        reference: 'csrf',
      });
    return c.redirect(await result(c, step, { error: 'access_denied', error_description: 'the person cancelled the sign-in' }), 303);
  });

  /** Steps 5 and 6 on an outcome known to be this interaction's. */
  async function finishFederated(c: C, step: Step, outcome: LoginOutcome): Promise<Response> {
    const pendingId = (outcome.claims as { pendingId?: unknown } | null | undefined)?.pendingId;
    if (outcome.outcome === 'pending' && typeof pendingId === 'string' && step.app.identityProviders.includes(outcome.idpId)) {
      // The JIT scheme asks the person first (consent, password, username): the prompt pages take over and
      // end through the host below. The upstream authentication context waits beside the interaction.
      await upsertOidcPayload(
        ctx.store.db,
        PAUSED_LOGIN_MODEL,
        step.interaction.uid,
        { authnContext: outcome.authnContext ?? null, idpId: outcome.idpId },
        TTL.Interaction,
      );
      ctx.metrics.appSignIns.inc({ result: 'prompted' });
      return c.redirect(provisioningPromptPath(step.interaction.uid, pendingId), 303);
    }
    if (outcome.outcome !== 'success') {
      const message = outcome.errorMessage || 'Your organisation’s sign-in did not let you in.';
      // The app learns the words the person saw, not the code: a code such as username_taken would tell it that a
      // local account exists. The detail is in the log and the audit event under the reference in the message.
      return refuse(c, step, 'You could not be signed in', message, outcome.errorMessage ?? 'the upstream login failed');
    }
    if (!step.app.identityProviders.includes(outcome.idpId)) {
      return refuse(
        c,
        step,
        'Sign-in method not allowed',
        `${step.app.name} does not accept this sign-in method.`,
        `identity provider ${outcome.idpId} is not allowed for this application`,
      );
    }
    const authn = (outcome.authnContext ?? {}) as Partial<AuthnContext>;
    let accountId = outcome.userId;
    if (!accountId) {
      // JIT off: nothing about the person is stored in the user tables; the mapped claims ride with the session.
      accountId = pairwiseAccountId(step.current.keys.pairwiseKey, outcome.idpId, outcome.subject ?? '');
      await saveFederatedAccount(
        ctx.store,
        accountId,
        claimsFromFederated((outcome.claims ?? null) as Record<string, unknown> | null),
        Math.max(TTL.Session, TTL.RefreshToken),
      );
    }
    return c.redirect(await signIn(c, step, outcome.idpId, accountId, authn, outcome.accountUsable === true), 303);
  }

  /** Step 5 the slower way: the callback stored the outcome, the interaction cookie names the interaction. */
  routes.get('/login/:uid/federated', async (c) => {
    const step = await load(c);
    if (step instanceof Response) return step;
    const id = c.req.query('login_result') ?? '';
    const row = id && id.length <= 100 ? await consumeLoginResult(ctx.store.db, id) : undefined;
    const context = (row?.context ?? {}) as { interactionUid?: unknown };
    if (!row || context.interactionUid !== step.interaction.uid) {
      return refuse(
        c,
        step,
        'This sign-in has expired',
        'The answer from your organisation’s sign-in was already used or has expired.',
        'login result missing, expired, reused or not issued for this interaction',
        400,
      );
    }
    return finishFederated(c, step, {
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
  });

  /**
   * Step 5 in place, at the federation callback: when this browser holds the cookie set where the flow began,
   * it is the browser of the interaction that began it, which is what the interaction cookie proves on the
   * slower path. The interaction is read while the upstream answer is being verified.
   */
  const handoff: LoginHandoff = async (c, flow: FederationFlow) => {
    const uid = (flow.context as { interactionUid?: unknown } | null)?.interactionUid;
    if (typeof uid !== 'string' || !UID.test(uid)) return null;
    const current = await holder.get();
    if (!flowBindingMatches(current.keys.cookieKeys, flow.id, getCookie(c, FLOW_BINDING_COOKIE))) return null;
    const reading = current.provider.Interaction.find(uid).then(
      (interaction) => interaction,
      (error: unknown) => {
        ctx.logger.warn({ err: error, uid }, 'interaction could not be read');
        return undefined;
      },
    );
    return async (outcome) => {
      c.header('set-cookie', clearFlowBinding(flow.idpId, secure), { append: true });
      c.header('cache-control', 'no-store');
      const interaction = await reading;
      if (!interaction || interaction.uid !== uid) return expired(c);
      const step = await withApp(c, current, interaction as Interaction);
      return step instanceof Response ? step : finishFederated(c, step, outcome);
    };
  };

  /**
   * Steps 2–4 at the authorization endpoint, when they need no page: the `idp` parameter, or the app's only IdP
   * (and no LOCAL sign-in), allowed and enabled. Anything else (a chooser, a refusal, an upstream that cannot be
   * reached) goes to /login/<uid> as before, which shows it.
   */
  const directStart: DirectStart = async (koa: KoaContextWithOIDC, interaction, keys) => {
    if (interaction.prompt.name !== 'login') return null;
    const app = await findApplicationByClientIdCached(ctx.store.db, String(interaction.params.client_id ?? ''));
    if (!app) return null;
    const requested = interaction.params.idp;
    const idpId =
      typeof requested === 'string' && requested !== ''
        ? requested
        : app.identityProviders.length === 1 && !offersLocal(app)
          ? app.identityProviders[0]!
          : null;
    if (!idpId || !app.identityProviders.includes(idpId)) return null;
    // Cached for a few seconds: the callback reads the IdP afresh (identity-providers-cache.ts).
    const loaded = await findIdentityProviderWithSecretsCached(ctx.store.db, ctx.store.secrets, idpId);
    if (!loaded?.idp.enabled) return null;
    try {
      const { redirectUrl, cookie } = await beginBound(keys, interaction.uid, loaded);
      return { redirectUrl, setCookie: serializeCookie(cookie) };
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      ctx.logger.warn({ err: error, idpId, path: koa.path }, 'upstream login could not start at the authorization endpoint');
      return null;
    }
  };

  /** The provisioning prompt pages (src/login) end the interaction through this host. */
  const host: PromptHost = {
    async load(c) {
      const step = await load(c);
      if (step instanceof Response) return step;
      const uid = step.interaction.uid;
      const hosted: HostedStep = {
        ...step,
        uid,
        appName: step.app.name,
        csrfToken: csrfToken(csrfKey(step), uid),
        csrfValid: (token) => csrfValid(step, token),
      };
      return hosted;
    },
    async finish(c, hosted, userId) {
      const step = hosted as HostedStep;
      const paused = await findOidcPayload(ctx.store.db, PAUSED_LOGIN_MODEL, step.uid);
      await destroyOidcPayload(ctx.store.db, PAUSED_LOGIN_MODEL, step.uid);
      return c.redirect(
        await signIn(c, step, String(paused?.idpId ?? ''), userId, (paused?.authnContext ?? {}) as Partial<AuthnContext>),
        303,
      );
    },
    refuse: (c, hosted, title, message, description) => refuse(c, hosted as HostedStep, title, message, description),
  };
  routes.route('/', provisioningPromptRoutes(ctx, host));

  // LOCAL (username + password), offered when step 1 of the app's sign-in flow lists it. Same host, but the
  // login ends as the local user with amr pwd and no upstream IdP behind the session.
  const localHost: PromptHost = {
    async load(c) {
      const hosted = await host.load(c);
      if (hosted instanceof Response) return hosted;
      if (!offersLocal((hosted as HostedStep).app))
        return page(c, 403, { title: 'Sign-in method not allowed', message: `${hosted.appName} does not accept a username and password.` });
      return hosted;
    },
    finish: (c, hosted, userId) =>
      signIn(c, hosted as HostedStep, LOCAL_SESSION_IDP, userId, { amr: ['pwd'] }).then((to) => c.redirect(to, 303)),
    refuse: host.refuse,
  };
  routes.route('/', localSignInRoutes(ctx, localHost));
  routes.route('/', secondStep.routes);

  return { routes, directStart, handoff };
}

/**
 * Whether step 1 of the app's sign-in flow offers the LOCAL password (src/domain/sign-in-flow.ts). Later
 * steps (TOTP, Email OTP; `local_only` ones too) follow through `signIn` like after a federated login.
 */
function offersLocal(app: Application): boolean {
  const first = app.signInFlow.steps[0] as { options?: Array<{ authenticator?: string }> } | undefined;
  return Boolean(first?.options?.some((option) => option.authenticator === 'LOCAL'));
}

/**
 * What a LOCAL login records as the session's IdP: no app lists it among its IdPs, so single sign-on into
 * another app asks again (session-idp.ts) rather than reusing a password session where it may not be allowed.
 */
const LOCAL_SESSION_IDP = 'LOCAL';

/** The interaction's step as the prompt pages see it. */
type HostedStep = Step & PromptHostStep;

/** Where a paused login keeps its upstream authentication context until the prompts end (oidc_payloads). */
const PAUSED_LOGIN_MODEL = 'PausedLogin';
