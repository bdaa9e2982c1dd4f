// One paused login's prompts, end to end below HTTP: pause (federation side), describe (what the page
// shows), submit (retry / stopped / done), on the real provisioning core and database.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCIM_USER_SCHEMA } from '../../src/domain/index.js';
import {
  provisionNow,
  parseConsentForm,
  describePrompt,
  submitPrompt,
  type PromptScreen,
  pauseForPrompts,
} from '../../src/provisioning/index.js';
import {
  insertConsentPurpose,
  listConsentReceipts,
  findPendingProvisioning,
  recordPendingAnswers,
  insertUser,
} from '../../src/store/index.js';
import { users } from '../../src/store/schema/index.js';
import { getUserStoreByDomain } from '../../src/store/user-stores-repo.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { auditFor, count, createIdp, deps, identity, setJitSettings, STANDARD_MAPPINGS, userById } from './provisioning-fixtures.js';

let server: TestServer;
const noUrls = { usernameProvisioningUrl: null, passwordProvisioningUrl: null };
const claims = (name: string) => ({ preferred_username: name, email: `${name}@example.com`, given_name: 'Kim', department: 'Ops' });
const PASSWORD = 'saffron-ledger-harbor';

beforeAll(async () => {
  server = await startTestServer({ label: 'prompt_flow' });
});
afterAll(async () => server?.stop());

const answers = (form: Record<string, string | string[]>) => ({
  username: typeof form.username === 'string' ? form.username : '',
  password: typeof form.password === 'string' ? form.password : '',
  confirmation: typeof form.confirmation === 'string' ? form.confirmation : '',
  consent: parseConsentForm(form),
});
const ticks = (screen: PromptScreen, which: (claim: string, mandatory: boolean) => boolean) =>
  screen.consent!.purposes.flatMap((p) => p.attributes.filter((a) => which(a.claim, a.mandatory)).map((a) => a.field));

describe('pausing', () => {
  it('does not pause silent schemes, consent with nothing to ask, or returning users', async () => {
    const silent = await createIdp(server, { claimMappings: STANDARD_MAPPINGS });
    expect(await pauseForPrompts(server.ctx.store, silent, identity(silent, 's1', claims('ann')), 'uid-000000001')).toBeNull();
    // No consent purpose exists yet: PROMPT_CONSENT has nothing to ask.
    const consentOnly = await createIdp(server, { claimMappings: STANDARD_MAPPINGS, jit: { scheme: 'PROMPT_CONSENT' } });
    expect(await pauseForPrompts(server.ctx.store, consentOnly, identity(consentOnly, 's2', claims('bea')), 'uid-000000002')).toBeNull();
    const withPassword = await createIdp(server, { claimMappings: STANDARD_MAPPINGS, jit: { scheme: 'PROMPT_PASSWORD_CONSENT' } });
    const carl = identity(withPassword, 's3', claims('carl'));
    await provisionNow(deps(server), withPassword, carl);
    expect(await pauseForPrompts(server.ctx.store, withPassword, carl, 'uid-000000003')).toBeNull();
  });
});

describe('prompts', () => {
  beforeAll(async () => {
    await insertConsentPurpose(server.ctx.store.db, {
      purpose: 'Account recovery',
      description: '',
      piiCategories: [
        { claim: 'emails[type eq "work"].value', mandatory: true },
        { claim: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', mandatory: false },
      ],
    });
  });

  it('PROMPT_PASSWORD_CONSENT: asks password and consent; a weak password is retried with nothing written; then the user is made once', async () => {
    const idp = await createIdp(server, { claimMappings: STANDARD_MAPPINGS, jit: { scheme: 'PROMPT_PASSWORD_CONSENT' } });
    const paused = (await pauseForPrompts(server.ctx.store, idp, identity(idp, 'p1', claims('dora')), 'uid-000000010'))!;
    expect(paused.prompts).toEqual({ username: false, password: true, consent: true });
    const pending = (await findPendingProvisioning(server.ctx.store.db, paused.pendingId, 'uid-000000010'))!;
    const screen = (await describePrompt(server.ctx.store, idp, pending, noUrls)) as PromptScreen;
    expect(screen).toMatchObject({
      ask: { username: false, password: true, consent: true },
      page: { kind: 'builtin' },
      username: 'dora',
      usernameProblem: null,
    });
    const usersBefore = await count(server, 'users');

    const mandatoryOnly = ticks(screen, (_c, mandatory) => mandatory);
    const weak = await submitPrompt(
      server.ctx.store,
      idp,
      pending,
      noUrls,
      answers({ decision: 'approve', consent: mandatoryOnly, password: 'dora', confirmation: 'dora' }),
    );
    expect(weak.kind).toBe('retry');
    expect((weak as { problems: Array<{ field: string }> }).problems.map((p) => p.field)).toContain('password');
    expect(await count(server, 'users')).toBe(usersBefore);

    const done = await submitPrompt(
      server.ctx.store,
      idp,
      pending,
      noUrls,
      answers({ decision: 'approve', consent: mandatoryOnly, password: PASSWORD, confirmation: PASSWORD }),
    );
    expect(done).toMatchObject({ kind: 'done', outcome: 'created' });
    const user = (await userById(server, (done as { userId: string }).userId))!;
    expect(user.passwordHash).toMatch(/^scrypt\$/);
    expect(user.resource['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User']).toBeUndefined();
    expect(await listConsentReceipts(server.ctx.store.db, user.id)).toHaveLength(1);

    const again = await submitPrompt(
      server.ctx.store,
      idp,
      pending,
      noUrls,
      answers({ decision: 'approve', consent: mandatoryOnly, password: PASSWORD, confirmation: PASSWORD }),
    );
    expect(again).toMatchObject({ kind: 'stopped', code: 'provisioning_already_completed' });
    expect(await count(server, 'users')).toBe(usersBefore + 1);
  });

  it('declining, or withholding a mandatory attribute, stops with nothing stored but an audit event', async () => {
    const idp = await createIdp(server, { claimMappings: STANDARD_MAPPINGS, jit: { scheme: 'PROMPT_CONSENT' } });
    const paused = (await pauseForPrompts(server.ctx.store, idp, identity(idp, 'p2', claims('eve')), 'uid-000000020'))!;
    const pending = (await findPendingProvisioning(server.ctx.store.db, paused.pendingId, 'uid-000000020'))!;
    const usersBefore = await count(server, 'users');
    expect(await submitPrompt(server.ctx.store, idp, pending, noUrls, answers({ decision: 'deny' }))).toMatchObject({
      kind: 'stopped',
      code: 'consent_denied',
    });
    const withheld = await submitPrompt(server.ctx.store, idp, pending, noUrls, answers({ decision: 'approve' }));
    expect(withheld).toMatchObject({ kind: 'stopped', code: 'consent_mandatory_declined' });
    expect((withheld as { message: string }).message).toContain('Email (work)');
    expect(await count(server, 'users')).toBe(usersBefore);
    expect((await auditFor(server, 'jit.consent.declined')).length).toBeGreaterThanOrEqual(2);
  });

  it('PROMPT_USERNAME_PASSWORD_CONSENT: a taken mapped name is a question, not a refusal; the typed name makes the user', async () => {
    const primary = await getUserStoreByDomain(server.ctx.store.db, 'PRIMARY');
    await insertUser(server.ctx.store.db, {
      userStoreId: primary.id,
      userName: 'fay',
      resource: { schemas: [SCIM_USER_SCHEMA], userName: 'fay' },
    });
    const idp = await createIdp(server, { claimMappings: STANDARD_MAPPINGS, jit: { scheme: 'PROMPT_USERNAME_PASSWORD_CONSENT' } });
    const paused = (await pauseForPrompts(server.ctx.store, idp, identity(idp, 'p3', claims('fay')), 'uid-000000030'))!;
    expect(paused.prompts.username).toBe(true);
    const pending = (await findPendingProvisioning(server.ctx.store.db, paused.pendingId, 'uid-000000030'))!;
    const screen = (await describePrompt(server.ctx.store, idp, pending, noUrls)) as PromptScreen;
    expect(screen.ask).toEqual({ username: true, password: true, consent: true });
    expect(screen.usernameProblem).toMatchObject({ code: 'username_taken' });
    const consent = ticks(screen, () => true);
    const taken = await submitPrompt(
      server.ctx.store,
      idp,
      pending,
      noUrls,
      answers({ decision: 'approve', consent, username: 'fay', password: PASSWORD, confirmation: PASSWORD }),
    );
    expect(taken).toMatchObject({ kind: 'retry', problems: [{ field: 'username', code: 'username_taken' }] });
    const done = await submitPrompt(
      server.ctx.store,
      idp,
      pending,
      noUrls,
      answers({ decision: 'approve', consent, username: 'fay.w', password: PASSWORD, confirmation: PASSWORD }),
    );
    expect(done.kind).toBe('done');
    const user = (await userById(server, (done as { userId: string }).userId))!;
    expect(user.resource.userName).toBe('fay.w');
    expect(user.resource['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User']).toEqual({ department: 'Ops' });
  });

  it('with an external password page: sent there first; once it answered, only consent is asked here and its password is used', async () => {
    const urls = { usernameProvisioningUrl: null, passwordProvisioningUrl: 'https://pages.example.test/password' };
    const idp = await createIdp(server, { claimMappings: STANDARD_MAPPINGS, jit: { scheme: 'PROMPT_PASSWORD_CONSENT' } });
    const paused = (await pauseForPrompts(server.ctx.store, idp, identity(idp, 'p4', claims('gil')), 'uid-000000040'))!;
    let pending = (await findPendingProvisioning(server.ctx.store.db, paused.pendingId, 'uid-000000040'))!;
    expect(((await describePrompt(server.ctx.store, idp, pending, urls)) as PromptScreen).page).toEqual({
      kind: 'external',
      url: urls.passwordProvisioningUrl,
      step: 'password',
    });
    await recordPendingAnswers(server.ctx.store.db, pending.id, pending.interactionUid, { passwordHash: 'scrypt$from-external-page' });
    pending = (await findPendingProvisioning(server.ctx.store.db, paused.pendingId, 'uid-000000040'))!;
    const screen = (await describePrompt(server.ctx.store, idp, pending, urls)) as PromptScreen;
    expect(screen).toMatchObject({ ask: { username: false, password: false, consent: true }, page: { kind: 'builtin' } });
    const done = await submitPrompt(
      server.ctx.store,
      idp,
      pending,
      urls,
      answers({ decision: 'approve', consent: ticks(screen, (_c, m) => m) }),
    );
    expect(done.kind).toBe('done');
    const [row] = await server.ctx.store.db
      .select()
      .from(users)
      .where(eq(users.id, (done as { userId: string }).userId));
    expect(row!.passwordHash).toBe('scrypt$from-external-page');
  });

  it('association under a password scheme: consent only, and the existing account keeps its own password', async () => {
    const primary = await getUserStoreByDomain(server.ctx.store.db, 'PRIMARY');
    const existing = await insertUser(server.ctx.store.db, {
      userStoreId: primary.id,
      userName: 'hal',
      resource: { schemas: [SCIM_USER_SCHEMA], userName: 'hal' },
      passwordHash: 'scrypt$own',
    });
    const idp = await createIdp(server, {
      claimMappings: STANDARD_MAPPINGS,
      jit: { scheme: 'PROMPT_USERNAME_PASSWORD_CONSENT', associateLocalUser: true, associateByUsername: true },
    });
    const paused = (await pauseForPrompts(server.ctx.store, idp, identity(idp, 'p5', claims('hal')), 'uid-000000050'))!;
    expect(paused.prompts).toEqual({ username: false, password: false, consent: true });
    const pending = (await findPendingProvisioning(server.ctx.store.db, paused.pendingId, 'uid-000000050'))!;
    const screen = (await describePrompt(server.ctx.store, idp, pending, noUrls)) as PromptScreen;
    const done = await submitPrompt(
      server.ctx.store,
      idp,
      pending,
      noUrls,
      answers({ decision: 'approve', consent: ticks(screen, () => true), password: 'ignored-password-value', confirmation: 'x' }),
    );
    expect(done).toMatchObject({ kind: 'done', userId: existing.id, outcome: 'linked' });
    expect((await userById(server, existing.id))!.passwordHash).toBe('scrypt$own');
  });

  it('a username chosen on an external page and taken before the end stops the sign-in (this page cannot ask again)', async () => {
    const idp = await createIdp(server, { claimMappings: STANDARD_MAPPINGS, jit: { scheme: 'PROMPT_USERNAME_PASSWORD_CONSENT' } });
    const paused = (await pauseForPrompts(server.ctx.store, idp, identity(idp, 'p6', claims('ida')), 'uid-000000060'))!;
    await recordPendingAnswers(server.ctx.store.db, paused.pendingId, 'uid-000000060', { username: 'ida.k', passwordHash: 'scrypt$ext' });
    const primary = await getUserStoreByDomain(server.ctx.store.db, 'PRIMARY');
    await insertUser(server.ctx.store.db, {
      userStoreId: primary.id,
      userName: 'ida.k',
      resource: { schemas: [SCIM_USER_SCHEMA], userName: 'ida.k' },
    });
    const pending = (await findPendingProvisioning(server.ctx.store.db, paused.pendingId, 'uid-000000060'))!;
    const result = await submitPrompt(server.ctx.store, idp, pending, noUrls, answers({ decision: 'approve', consent: [] }));
    expect(result).toMatchObject({ kind: 'stopped', code: 'username_taken' });
  });

  it('with the enhanced feature (generated usernames) the username scheme asks no username', async () => {
    await setJitSettings(server, { enhancedFeature: true });
    try {
      const idp = await createIdp(server, { claimMappings: STANDARD_MAPPINGS, jit: { scheme: 'PROMPT_USERNAME_PASSWORD_CONSENT' } });
      const paused = (await pauseForPrompts(server.ctx.store, idp, identity(idp, 'p7', claims('jan')), 'uid-000000070'))!;
      expect(paused.prompts).toEqual({ username: false, password: true, consent: true });
      const pending = (await findPendingProvisioning(server.ctx.store.db, paused.pendingId, 'uid-000000070'))!;
      const screen = (await describePrompt(server.ctx.store, idp, pending, { ...noUrls, enhancedFeature: true })) as PromptScreen;
      expect(screen.ask).toEqual({ username: false, password: true, consent: true });
    } finally {
      await setJitSettings(server, {});
    }
  });
});
