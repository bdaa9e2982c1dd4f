// Provisioning with prompts, through the real provisioning core: plan → consent decision / password →
// one transaction (user, link, receipts, password hash, audit, outbox) or nothing; association keeps the
// local user's own values and never takes a prompted password. Embedded database or PostgreSQL.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsentPurpose, SCIM_ENTERPRISE_USER_SCHEMA, SCIM_USER_SCHEMA, type ScimUserResource } from '../../src/domain/index.js';
import {
  createProvisioningReads,
  planProvisioning as planUnion,
  type ProvisioningPlan,
  planWithChosenUsername,
  applyPlan,
  revokeConsentReceipt,
  afterOf,
} from '../../src/provisioning/index.js';
import { buildConsentView, decideConsent, CONSENT_MANDATORY_DECLINED } from '../../src/provisioning/consent.js';
import { hashNewPassword } from '../../src/accounts/index.js';
import { applyPromptedProvisioning, planWithStoredConsent } from '../../src/provisioning/prompted-provisioning.js';
import { promptsFor } from '../../src/provisioning/prompts.js';

/** The plan with every decision's fields readable (a test reads whichever its case has). */
const planProvisioning = async (...args: Parameters<typeof planUnion>): Promise<ProvisioningPlan & Record<string, any>> =>
  planUnion(...args);
import {
  insertConsentPurpose,
  listConsentReceipts,
  findPendingProvisioning,
  recordPendingAnswers,
  savePendingProvisioning,
  sweepPendingProvisionings,
  insertUser,
} from '../../src/store/index.js';
import { rows } from '../../src/store/database.js';
import { consentReceipts } from '../../src/store/schema/index.js';
import { getUserStoreByDomain, insertUserStore } from '../../src/store/user-stores-repo.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { auditFor, count, createIdp, identity, linksOf, outboxFor, STANDARD_MAPPINGS, userById } from './provisioning-fixtures.js';

let server: TestServer;
let purposes: ConsentPurpose[];
const PHONE = 'phoneNumbers[type eq "mobile"].value';
const DEPT = `${SCIM_ENTERPRISE_USER_SCHEMA}:department`;
const MAPPINGS = [...STANDARD_MAPPINGS, { remote: 'phone_number', local: PHONE }];

beforeAll(async () => {
  server = await startTestServer({ label: 'prompted' });
  const db = server.ctx.store.db;
  purposes = [
    await insertConsentPurpose(db, {
      purpose: 'Account recovery',
      description: '',
      piiCategories: [
        { claim: 'emails[type eq "work"].value', mandatory: true },
        { claim: PHONE, mandatory: false },
      ],
    }),
    await insertConsentPurpose(db, { purpose: 'Directory', description: '', piiCategories: [{ claim: DEPT, mandatory: false }] }),
  ];
});
afterAll(async () => server?.stop());

const claims = (name: string) => ({
  preferred_username: name,
  given_name: 'Dana',
  family_name: 'Scully',
  email: `${name}@example.com`,
  phone_number: '+1 555 0100',
  department: 'X-Files',
});
const receiptCount = async () =>
  Number((await rows<{ n: number }>(server.ctx.store.db, sql`select count(*)::int as n from consent_receipts`))[0]!.n);
const plan = async (idp: Awaited<ReturnType<typeof createIdp>>, subject: string, name: string) =>
  planProvisioning(createProvisioningReads(server.ctx.store.db), idp, identity(idp, subject, claims(name)));
const field = (p: ConsentPurpose, claim: string) => `${p.id}|${claim}`;

describe('PROMPT_PASSWORD_CONSENT for a new user', () => {
  it('stores the user without unconsented attributes, with receipts and a password hash, in one transaction', async () => {
    const idp = await createIdp(server, { claimMappings: MAPPINGS, jit: { scheme: 'PROMPT_PASSWORD_CONSENT' } });
    const planned = await plan(idp, 'sub-dana', 'dana');
    expect(planned.decision).toBe('create');
    expect(promptsFor(idp.jit.scheme, planned.decision)).toEqual({ username: false, password: true, consent: true });
    const view = buildConsentView(purposes, planned.after!);
    expect(view.purposes.flatMap((p) => p.attributes.map((a) => a.values[0]))).toEqual(['dana@example.com', '+1 555 0100', 'X-Files']);

    const decision = decideConsent(purposes, planned.after!, {
      decision: 'approve',
      accepted: new Set([field(purposes[0]!, 'emails[type eq "work"].value')]),
    });
    const passwordHash = await hashNewPassword('orchid-meadow-compass', {
      username: planned.qualifiedUserName,
      confirmation: 'orchid-meadow-compass',
    });
    const applied = await server.ctx.store.transaction((tx) => applyPromptedProvisioning(tx, planned, { consent: decision, passwordHash }));

    const user = (await userById(server, applied.userId!))!;
    expect(user.resource.emails).toEqual([{ value: 'dana@example.com', type: 'work' }]);
    expect(user.resource.phoneNumbers).toBeUndefined();
    expect(user.resource[SCIM_ENTERPRISE_USER_SCHEMA]).toBeUndefined();
    expect(user.resource.name).toEqual({ givenName: 'Dana', familyName: 'Scully' });
    expect(Object.keys(user.provenance as object)).not.toContain(PHONE);
    expect(Object.keys(user.provenance as object)).not.toContain(DEPT);
    expect(user.passwordHash).toMatch(/^scrypt\$/);
    expect((await linksOf(server, idp.id)).map((l) => l.userId)).toEqual([user.id]);
    const receipts = await listConsentReceipts(server.ctx.store.db, user.id);
    expect(receipts.map((r) => [r.purposeSnapshot.purpose, r.consented, r.declined]).sort()).toEqual([
      ['Account recovery', ['emails[type eq "work"].value'], [PHONE]],
      ['Directory', [], [DEPT]],
    ]);
    expect(receipts.every((r) => r.idpId === idp.id)).toBe(true);
    expect((await auditFor(server, 'jit.user.create')).at(-1)?.details).toMatchObject({ consentWithheld: [PHONE, DEPT] });
    expect(await auditFor(server, 'consent.give')).toHaveLength(1);
    expect((await outboxFor(server, user.id)).map((e) => e.eventType)).toEqual(['create', 'update']);
    expect(JSON.stringify((await outboxFor(server, user.id)).map((e) => e.payload))).not.toContain('+1 555 0100');
  });

  it('declining a mandatory attribute stops before anything is written', async () => {
    const idp = await createIdp(server, { claimMappings: MAPPINGS, jit: { scheme: 'PROMPT_CONSENT' } });
    const planned = await plan(idp, 'sub-fox', 'fox');
    const [users, receipts] = [await count(server, 'users'), await receiptCount()];
    expect(() => decideConsent(purposes, planned.after!, { decision: 'approve', accepted: new Set([field(purposes[0]!, PHONE)]) })).toThrow(
      expect.objectContaining({ code: CONSENT_MANDATORY_DECLINED }),
    );
    expect(await count(server, 'users')).toBe(users);
    expect(await receiptCount()).toBe(receipts);
    expect(await linksOf(server, idp.id)).toEqual([]);
  });

  it('a context token that fails to redeem (a replay) rolls everything back', async () => {
    const idp = await createIdp(server, { claimMappings: MAPPINGS, jit: { scheme: 'PROMPT_CONSENT' } });
    const planned = await plan(idp, 'sub-skinner', 'skinner');
    const decision = decideConsent(purposes, planned.after!, {
      decision: 'approve',
      accepted: new Set([field(purposes[0]!, 'emails[type eq "work"].value')]),
    });
    const [users, receipts] = [await count(server, 'users'), await receiptCount()];
    const replayed = async () => {
      throw Object.assign(new Error('replayed'), { code: 'context_token_replayed' });
    };
    await expect(
      server.ctx.store.transaction((tx) => applyPromptedProvisioning(tx, planned, { consent: decision, redeemContextToken: replayed })),
    ).rejects.toThrow('replayed');
    expect(await count(server, 'users')).toBe(users);
    expect(await receiptCount()).toBe(receipts);
  });
});

describe('association with an existing local user under a prompting scheme', () => {
  it('keeps the local user’s own value where consent was withheld, and refuses a prompted password', async () => {
    const db = server.ctx.store.db;
    const primary = await getUserStoreByDomain(db, 'PRIMARY');
    const local: ScimUserResource = {
      schemas: [SCIM_USER_SCHEMA],
      userName: 'mulder',
      emails: [{ value: 'mulder@example.com', type: 'work' }],
      phoneNumbers: [{ value: '+1 555 0199', type: 'mobile' }],
    };
    const existing = await insertUser(db, { userStoreId: primary.id, userName: 'mulder', resource: local });
    const idp = await createIdp(server, {
      claimMappings: MAPPINGS,
      jit: { scheme: 'PROMPT_PASSWORD_CONSENT', associateLocalUser: true, associateByUsername: true },
    });
    const planned = await plan(idp, 'sub-mulder', 'mulder');
    expect(planned.decision).toBe('associate_username');
    expect(promptsFor(idp.jit.scheme, planned.decision)).toEqual({ username: false, password: false, consent: true });
    const decision = decideConsent(purposes, planned.after!, {
      decision: 'approve',
      accepted: new Set([field(purposes[0]!, 'emails[type eq "work"].value')]),
    });

    // A prompted password on an existing account is refused, and nothing is written.
    await expect(
      server.ctx.store.transaction((tx) => applyPromptedProvisioning(tx, planned, { consent: decision, passwordHash: 'scrypt$x' })),
    ).rejects.toMatchObject({
      code: 'password_for_existing_user',
    });
    expect(await linksOf(server, idp.id)).toEqual([]);

    await server.ctx.store.transaction((tx) => applyPromptedProvisioning(tx, planned, { consent: decision }));
    const user = (await userById(server, existing.id))!;
    expect(user.resource.phoneNumbers).toEqual([{ value: '+1 555 0199', type: 'mobile' }]);
    expect(user.resource[SCIM_ENTERPRISE_USER_SCHEMA]).toBeUndefined();
    expect(user.resource.name).toEqual({ givenName: 'Dana', familyName: 'Scully' });
    expect(user.passwordHash).toBeNull();
    expect((await linksOf(server, idp.id)).map((l) => l.userId)).toEqual([existing.id]);
    expect(await db.select().from(consentReceipts).where(eq(consentReceipts.userId, existing.id))).toHaveLength(2);
  });
});

describe('PROMPT_USERNAME_PASSWORD_CONSENT: the typed username', () => {
  it('decides the store with AS_IN_USERNAME, and is checked against its regex and uniqueness before anything is written', async () => {
    const db = server.ctx.store.db;
    await insertUserStore(db, { domain: 'AGENTS', description: '', usernameRegex: '^[a-z]{3,12}$', rolenameRegex: null });
    const idp = await createIdp(server, {
      claimMappings: MAPPINGS,
      jit: {
        scheme: 'PROMPT_USERNAME_PASSWORD_CONSENT',
        userstore: 'AS_IN_USERNAME',
        allowedUserStores: ['PRIMARY', 'AGENTS'],
        associateLocalUser: true,
        associateByUsername: true,
      },
    });
    const reads = createProvisioningReads(db);
    const who = identity(idp, 'sub-doggett', claims('jdoggett'));
    const users = await count(server, 'users');

    const bad = await planWithChosenUsername(reads, idp, who, 'AGENTS/John Doggett');
    expect(bad.problem).toEqual({
      code: 'username_policy',
      field: 'username',
      message: 'That username is not allowed here. Check the characters and length.',
    });
    // Association is on, and "mulder" exists in PRIMARY: a typed existing name is taken, never linked.
    const taken = await planWithChosenUsername(reads, idp, who, 'mulder');
    expect(taken.plan.decision).toBe('associate_username');
    expect(taken.problem).toEqual({ code: 'username_taken', field: 'username', message: 'That username is taken. Choose another.' });
    expect((await planWithChosenUsername(reads, idp, who, '   ')).problem?.message).toBe('Enter a username.');
    expect(await count(server, 'users')).toBe(users);

    const good = await planWithChosenUsername(reads, idp, who, 'AGENTS/doggett');
    expect(good.problem).toBeNull();
    expect(good.plan).toMatchObject({
      decision: 'create',
      userStore: { domain: 'AGENTS' },
      userName: 'doggett',
      qualifiedUserName: 'AGENTS/doggett',
    });
    const consent = decideConsent(purposes, afterOf(good.plan)!, {
      decision: 'approve',
      accepted: new Set([field(purposes[0]!, 'emails[type eq "work"].value'), field(purposes[1]!, DEPT)]),
    });
    const passwordHash = await hashNewPassword('juniper-lattice-ember', { username: good.plan.qualifiedUserName });
    const applied = await server.ctx.store.transaction((tx) => applyPromptedProvisioning(tx, good.plan, { consent, passwordHash }));
    const user = (await userById(server, applied.userId!))!;
    expect(user.resource.userName).toBe('AGENTS/doggett');
    expect(user.resource[SCIM_ENTERPRISE_USER_SCHEMA]).toEqual({ department: 'X-Files' });
    expect(user.resource.phoneNumbers).toBeUndefined();
  });
});

describe('a provisioning paused on a prompt', () => {
  it('keeps the verified identity and answers for its interaction only, and completes at most once', async () => {
    const db = server.ctx.store.db;
    const idp = await createIdp(server, { claimMappings: MAPPINGS, jit: { scheme: 'PROMPT_PASSWORD_CONSENT' } });
    const who = identity(idp, 'sub-reyes', claims('reyes'));
    const pending = await savePendingProvisioning(db, { interactionUid: 'uid-reyes-0001', identity: who });
    expect(pending.id.length).toBeGreaterThanOrEqual(32);
    expect(await findPendingProvisioning(db, pending.id, 'uid-someone-else')).toBeUndefined();
    expect(await recordPendingAnswers(db, pending.id, 'uid-reyes-0001', { username: 'reyes' })).toBe(true);
    expect(await recordPendingAnswers(db, pending.id, 'uid-reyes-0001', { passwordHash: 'scrypt$hash' })).toBe(true);
    const found = (await findPendingProvisioning(db, pending.id, 'uid-reyes-0001'))!;
    expect(found.identity).toEqual(who);
    expect(found.answers).toEqual({ username: 'reyes', passwordHash: 'scrypt$hash' });

    // On each answer the plan is made again from the stored identity.
    const planned = await planProvisioning(createProvisioningReads(db), idp, found.identity);
    const consent = decideConsent(purposes, planned.after!, {
      decision: 'approve',
      accepted: new Set([field(purposes[0]!, 'emails[type eq "work"].value')]),
    });
    const ref = { id: pending.id, interactionUid: 'uid-reyes-0001' };
    await server.ctx.store.transaction((tx) => applyPromptedProvisioning(tx, planned, { consent, pending: ref }));
    const users = await count(server, 'users');
    const again = await planProvisioning(createProvisioningReads(db), idp, found.identity);
    await expect(
      server.ctx.store.transaction((tx) => applyPromptedProvisioning(tx, again, { consent, pending: ref })),
    ).rejects.toMatchObject({ code: 'provisioning_already_completed' });
    expect(await count(server, 'users')).toBe(users);
    expect(await findPendingProvisioning(db, pending.id, 'uid-reyes-0001')).toBeUndefined();

    const expired = await savePendingProvisioning(db, { interactionUid: 'uid-reyes-0002', identity: who, ttlSeconds: -1 });
    expect(await findPendingProvisioning(db, expired.id, 'uid-reyes-0002')).toBeUndefined();
    expect(await recordPendingAnswers(db, expired.id, 'uid-reyes-0002', { username: 'x' })).toBe(false);
    await sweepPendingProvisionings(db);
    const left = await rows<{ n: number }>(db, sql`select count(*)::int as n from pending_provisionings where id = ${expired.id}`);
    expect(left[0]!.n).toBe(0);
  });
});

describe('consent on later logins', () => {
  it('declined and revoked optional attributes stay out when the IdP sends them again; mandatory ones keep syncing', async () => {
    const idp = await createIdp(server, { claimMappings: MAPPINGS, jit: { scheme: 'PROMPT_CONSENT' } });
    const first = await plan(idp, 'sub-krycek', 'krycek');
    const accepted = new Set([field(purposes[0]!, 'emails[type eq "work"].value'), field(purposes[0]!, PHONE)]);
    const consent = decideConsent(purposes, first.after!, { decision: 'approve', accepted });
    const { userId } = await server.ctx.store.transaction((tx) => applyPromptedProvisioning(tx, first, { consent }));
    const receipts = await listConsentReceipts(server.ctx.store.db, userId!);
    expect((await userById(server, userId!))!.resource.phoneNumbers).toHaveLength(1);

    // Revoke the recovery receipt: the phone goes (the email is mandatory and stays).
    const recovery = receipts.find((r) => r.purposeId === purposes[0]!.id)!;
    await revokeConsentReceipt(server.ctx.store, { userId: userId!, receiptId: recovery.id, actor: { type: 'admin', id: 'admin' } });
    expect((await userById(server, userId!))!.resource.phoneNumbers).toBeUndefined();

    // The next login sends phone and department again (OVERRIDE_ALL would put them back).
    const again = await plan(idp, 'sub-krycek', 'krycek');
    expect(again.decision).toBe('link_found');
    expect(again.after!.phoneNumbers).toHaveLength(1);
    const filtered = planWithStoredConsent(again, await listConsentReceipts(server.ctx.store.db, userId!));
    expect(filtered.after!.phoneNumbers).toBeUndefined();
    expect(filtered.after![SCIM_ENTERPRISE_USER_SCHEMA]).toBeUndefined();
    expect(filtered.after!.emails).toEqual([{ value: 'krycek@example.com', type: 'work' }]);
    await server.ctx.store.transaction((tx) => applyPlan(tx, filtered));
    const user = (await userById(server, userId!))!;
    expect(user.resource.phoneNumbers).toBeUndefined();
    expect(user.resource[SCIM_ENTERPRISE_USER_SCHEMA]).toBeUndefined();
  });
});
