// Each step of the sign-in interaction (src/login/steps) alone, on a real database and a real upstream OP, with
// the app protocol's port (LoginProtocol) played by a recorder: what a step asks the protocol to do is the test.
import { Hono } from 'hono';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beginUpstreamLogin, FederationError } from '../../src/federation/index.js';
import type { AppEnv } from '../../src/http/index.js';
import type { InteractionEnding, InteractionView, LoginDeps, LoginProtocol } from '../../src/login/index.js';
import { csrfToken } from '../../src/login/index.js';
import { answerChoice, cancel, showChoice } from '../../src/login/steps/choose-idp.js';
import { answerConsent, askConsent } from '../../src/login/steps/consent.js';
import { finishFederated, takeLoginResult } from '../../src/login/steps/finish-federated.js';
import { refuse } from '../../src/login/steps/hand-off.js';
import { loadInteraction } from '../../src/login/steps/load-interaction.js';
import { interceptSecondStep } from '../../src/login/steps/mfa.js';
import { pauseLogin, promptHost } from '../../src/login/steps/prompts.js';
import { provisionIdentity } from '../../src/login/steps/provision-identity.js';
import { startUpstream, startWithoutPage } from '../../src/login/steps/start-upstream.js';
import type { C, Step } from '../../src/login/steps/types.js';
import { rows } from '../../src/store/database.js';
import { findApplicationByClientId, findIdentityProvider, saveLoginResult, type Application } from '../../src/store/index.js';
import { registerApp, registerUpstreamIdp } from '../support/oidc-app.js';
import { startUpstreamOp, type UpstreamOp } from '../support/upstream-op.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let upstream: UpstreamOp;
let idpA: string;
let idpB: string;
let oneIdp: Application;
let twoIdps: Application;
let thirdParty: Application;

const KEY = 'test-cookie-key-0123456789';
const interactions = new Map<string, InteractionView>();
const endings: Array<{ uid: string; ending: InteractionEnding }> = [];

/** The protocol's port, recording how each interaction ends. */
const protocol: LoginProtocol = {
  details: async (_c, uid) => interactions.get(uid),
  find: async (uid) => interactions.get(uid),
  finish: async (uid, ending) => {
    endings.push({ uid, ending });
    return `/oidc/auth/${uid}`;
  },
  cookieKeys: async () => [KEY],
  federatedAccount: async (idpId, subject) => `pairwise:${idpId}:${subject}`,
  interactionTtlSeconds: 600,
  scopes: { supported: ['openid', 'email', 'offline_access'], claims: { email: ['email', 'email_verified'] } },
};

let deps: LoginDeps;
let counter = 0;

/** A fresh interaction of `app` (its uid as oidc-provider makes them). */
function interaction(app: Application, over: Partial<InteractionView> = {}): InteractionView {
  const uid = `uid_${String(++counter).padStart(8, '0')}`;
  const view: InteractionView = {
    uid,
    clientId: app.clientId,
    prompt: { name: 'login', details: {} },
    params: {},
    accountId: undefined,
    ...over,
  };
  interactions.set(uid, view);
  return view;
}

const stepOf = (app: Application, view: InteractionView): Step => ({ interaction: view, app, cookieKeys: [KEY] });
const lastEnding = (uid: string) => endings.filter((e) => e.uid === uid).at(-1)?.ending;

/** Runs one step function as a route, with a request built by `init`. */
async function run(handler: (c: C) => Promise<Response>, path = '/login/:uid', url = '/login/x', init?: RequestInit) {
  const app = new Hono<AppEnv>();
  app.all(path, handler);
  return app.request(url, init);
}

const form = (fields: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

beforeAll(async () => {
  server = await startTestServer();
  upstream = await startUpstreamOp();
  deps = { ctx: server.ctx, protocol, begin: beginUpstreamLogin };
  idpA = (await registerUpstreamIdp(server, upstream, { name: 'Alpha Corp' })).id;
  idpB = (await registerUpstreamIdp(server, upstream, { name: 'Beta Corp' })).id;
  const load = async (clientId: string) => (await findApplicationByClientId(server.ctx.store.db, clientId))!;
  oneIdp = await load((await registerApp(server, { name: 'One', identityProviders: [idpA] })).clientId);
  twoIdps = await load((await registerApp(server, { name: 'Two', identityProviders: [idpA, idpB] })).clientId);
  thirdParty = await load((await registerApp(server, { name: 'Third', identityProviders: [idpA], firstParty: false })).clientId);
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await upstream?.stop();
});

describe('load the interaction', () => {
  it('answers the expired page for an unknown or malformed uid, and the unknown-app page for a gone app', async () => {
    expect((await run((c) => loadInteraction(deps, c).then((s) => s as Response), '/login/:uid', '/login/no')).status).toBe(400);
    const gone = interaction(oneIdp, { clientId: 'no-such-client' });
    const page = await run((c) => loadInteraction(deps, c).then((s) => s as Response), '/login/:uid', `/login/${gone.uid}`);
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('Unknown application');
  });

  it('loads the interaction of the path with its app', async () => {
    const view = interaction(oneIdp);
    let loaded: Step | undefined;
    await run(
      async (c) => {
        loaded = (await loadInteraction(deps, c)) as Step;
        return c.text('ok');
      },
      '/login/:uid',
      `/login/${view.uid}`,
    );
    expect(loaded).toMatchObject({ interaction: { uid: view.uid }, app: { id: oneIdp.id }, cookieKeys: [KEY] });
  });
});

describe('choose the IdP', () => {
  it('shows the chooser for two IdPs; its answer starts the chosen one; cancel ends the interaction', async () => {
    const view = interaction(twoIdps);
    const page = await run((c) => showChoice(deps, c, stepOf(twoIdps, view)));
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/Alpha Corp[\s\S]*Beta Corp/);
    const csrf = csrfToken(KEY, view.uid);
    const started = await run((c) => answerChoice(deps, c, stepOf(twoIdps, view)), '/login/:uid', '/login/x', form({ csrf, idp: idpB }));
    expect(started.status).toBe(303);
    expect(started.headers.get('location')).toContain(upstream.issuer);
    const stale = await run((c) => answerChoice(deps, c, stepOf(twoIdps, view)), '/login/:uid', '/login/x', form({ csrf: 'x', idp: idpB }));
    expect(stale.status).toBe(400);
    const cancelled = await run((c) => cancel(deps, c, stepOf(twoIdps, view)), '/login/:uid', '/login/x', form({ csrf }));
    expect(cancelled.headers.get('location')).toBe(`/oidc/auth/${view.uid}`);
    expect(lastEnding(view.uid)).toEqual({ kind: 'refused', description: 'the person cancelled the sign-in' });
  });
});

describe('start upstream', () => {
  it('starts an allowed IdP with the flow binding cookie, and keeps the flow for the interaction', async () => {
    const view = interaction(oneIdp);
    const started = await run((c) => startUpstream(deps, c, stepOf(oneIdp, view), idpA));
    expect(started.status).toBe(303);
    expect(started.headers.get('location')).toContain(`${upstream.issuer}/auth?`);
    expect(started.headers.get('set-cookie')).toContain(`jb_flow=`);
    const [flow] = await rows<{ n: number }>(
      server.ctx.store.db,
      sql`select count(*)::int as n from federation_flows where context->>'interactionUid' = ${view.uid}`,
    );
    expect(flow!.n).toBe(1);
  });

  it('refuses an IdP the app does not allow: the app gets access_denied', async () => {
    const view = interaction(oneIdp);
    const refused = await run((c) => startUpstream(deps, c, stepOf(oneIdp, view), idpB));
    expect(refused.headers.get('location')).toBe(`/oidc/auth/${view.uid}`);
    expect(lastEnding(view.uid)).toEqual({ kind: 'refused', description: `identity provider ${idpB} is not allowed for this application` });
  });

  it('at the authorization endpoint: starts when no page is needed, else leaves it to /login/<uid>', async () => {
    expect(await startWithoutPage(deps, interaction(oneIdp))).toMatchObject({ redirectUrl: expect.stringContaining(upstream.issuer) });
    expect(await startWithoutPage(deps, interaction(twoIdps))).toBeNull();
    expect(await startWithoutPage(deps, interaction(twoIdps, { params: { idp: idpB } }))).not.toBeNull();
    expect(await startWithoutPage(deps, interaction(oneIdp, { prompt: { name: 'consent', details: {} } }))).toBeNull();
  });
});

describe('finish the federated login', () => {
  const outcome = (over: Record<string, unknown> = {}) => ({
    flowId: 'f',
    idpId: idpA,
    subject: 'sub-1',
    userId: null,
    outcome: 'success' as const,
    authnContext: { amr: ['pwd'], acr: 'urn:x' },
    context: {},
    ...over,
  });

  it('signs in a JIT-off identity as the protocol’s federated account, with the upstream context', async () => {
    const view = interaction(oneIdp);
    const done = await run((c) => finishFederated(deps, c, stepOf(oneIdp, view), outcome({ claims: { email: 'a@x.org' } })));
    expect(done.headers.get('location')).toBe(`/oidc/auth/${view.uid}`);
    expect(lastEnding(view.uid)).toEqual({
      kind: 'login',
      idpId: idpA,
      accountId: `pairwise:${idpA}:sub-1`,
      authn: { amr: ['pwd'], acr: 'urn:x' },
    });
  });

  it('refuses a failed login with the words the person saw, never its code', async () => {
    const view = interaction(oneIdp);
    const failed = outcome({ outcome: 'failure', errorCode: 'username_taken', errorMessage: 'Quote reference AB12.' });
    const page = await run((c) => finishFederated(deps, c, stepOf(oneIdp, view), failed));
    expect(page.status).toBe(403);
    expect(lastEnding(view.uid)).toEqual({ kind: 'refused', description: 'Quote reference AB12.' });
  });

  it('takes a stored login result only for its own interaction', async () => {
    const view = interaction(oneIdp);
    const other = await saveLoginResult(server.ctx.store.db, { ...outcome(), context: { interactionUid: 'someone_else' } });
    const page = await run((c) => takeLoginResult(deps, c, stepOf(oneIdp, view)), '/login/:uid', `/login/x?login_result=${other}`);
    expect(page.status).toBe(400);
    const own = await saveLoginResult(server.ctx.store.db, { ...outcome(), context: { interactionUid: view.uid } });
    const done = await run((c) => takeLoginResult(deps, c, stepOf(oneIdp, view)), '/login/:uid', `/login/x?login_result=${own}`);
    expect(done.status).toBe(303);
    expect(lastEnding(view.uid)).toMatchObject({ kind: 'login', accountId: `pairwise:${idpA}:sub-1` });
  });

  it('provision the identity: a failed verification becomes a failure outcome with its audit event', async () => {
    const idp = (await findIdentityProvider(server.ctx.store.db, idpA))!;
    const flow = { id: 'flow-x', idpId: idpA, context: null } as never;
    const result = await provisionIdentity(server.ctx, {
      idp,
      flow,
      error: new FederationError('upstream_access_denied', 'no'),
      refused: true,
    });
    expect(result.outcome).toMatchObject({ outcome: 'failure', errorCode: 'upstream_access_denied', userId: null });
    expect(result.audit).toMatchObject({ action: 'federation.login', outcome: 'refused', reason: 'upstream_access_denied' });
  });
});

describe('prompts', () => {
  it('a paused login ends, after its prompts, as the provisioned user with the upstream context kept beside it', async () => {
    const view = interaction(oneIdp);
    await pauseLogin(deps, stepOf(oneIdp, view), idpA, { amr: ['hwk'] });
    const host = promptHost(deps);
    const userId = '00000000-0000-4000-8000-00000000abcd';
    const done = await run(async (c) =>
      host.finish(c, { ...stepOf(oneIdp, view), uid: view.uid, appName: 'One', csrfToken: '', csrfValid: () => true } as never, userId),
    );
    expect(done.status).toBe(303);
    expect(lastEnding(view.uid)).toEqual({ kind: 'login', idpId: idpA, accountId: userId, authn: { amr: ['hwk'] } });
  });
});

describe('consent', () => {
  it('a first-party app consents without a page; a third-party app shows one, and a refusal ends the interaction', async () => {
    const first = interaction(oneIdp, { prompt: { name: 'consent', details: {} }, accountId: 'acc' });
    expect((await run((c) => askConsent(deps, c, stepOf(oneIdp, first)))).status).toBe(303);
    expect(lastEnding(first.uid)).toEqual({ kind: 'consented' });

    const third = interaction(thirdParty, {
      prompt: { name: 'consent', details: {} },
      accountId: 'acc',
      params: { scope: 'openid email' },
    });
    const page = await run((c) => askConsent(deps, c, stepOf(thirdParty, third)));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('email');
    const csrf = csrfToken(KEY, third.uid);
    const denied = await run(
      (c) => answerConsent(deps, c, stepOf(thirdParty, third)),
      '/login/:uid',
      '/login/x',
      form({ csrf, decision: 'deny' }),
    );
    expect(denied.status).toBe(303);
    expect(lastEnding(third.uid)).toEqual({ kind: 'refused', description: 'the person did not allow the application' });
  });
});

describe('MFA', () => {
  it('a one-step flow finishes at once; a locked account is stopped at the second step page', async () => {
    const view = interaction(oneIdp);
    const signIn = { idpId: idpA, accountId: 'pairwise-account', authn: {} };
    expect(await interceptSecondStep(deps, stepOf(oneIdp, view), signIn)).toBeNull();
    const [user] = await rows<{ id: string }>(
      server.ctx.store.db,
      sql`insert into users (user_store_id, user_name, resource, locked)
          select id, 'locked-one', '{"userName":"locked-one"}'::jsonb, true from user_stores where domain = 'PRIMARY' returning id`,
    );
    const path = await interceptSecondStep(deps, stepOf(oneIdp, view), { ...signIn, accountId: user!.id });
    expect(path).toBe(`/login/${view.uid}/mfa`);
  });
});

describe('hand-off', () => {
  it('a refusal shows why with a way back, the app gets access_denied, and the interaction’s flows are gone', async () => {
    const view = interaction(oneIdp);
    await run((c) => startUpstream(deps, c, stepOf(oneIdp, view), idpA));
    const why = { title: 'No', message: 'Not today.', description: 'test refusal' };
    const page = await run((c) => refuse(deps, c, stepOf(oneIdp, view), why));
    expect(page.status).toBe(403);
    expect(await page.text()).toContain(`/oidc/auth/${view.uid}`);
    expect(lastEnding(view.uid)).toEqual({ kind: 'refused', description: 'test refusal' });
    const [flows] = await rows<{ n: number }>(
      server.ctx.store.db,
      sql`select count(*)::int as n from federation_flows where context->>'interactionUid' = ${view.uid}`,
    );
    expect(flows!.n).toBe(0);
  });
});
