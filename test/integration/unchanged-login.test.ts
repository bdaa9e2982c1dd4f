// The one-statement returning login (src/provisioning/unchanged-login.ts) against a real database: it records a
// login only when the link's fingerprint proves nothing changes, writes what the planned path writes, and leaves
// every other case — changed claims, a user changed since, locks, consent receipts, other settings — to planning.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { provisionLogin } from '../../src/provisioning/index.js';
import { tryUnchangedLogin } from '../../src/provisioning/unchanged-login.js';
import { recordConsentReceipts, setLinkLocked, updateUser } from '../../src/store/index.js';
import { auditEvents } from '../../src/store/schema/index.js';
import type { ScimUserResource } from '../../src/domain/index.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createIdp, deps, identity, linksOf, outboxFor, setJitSettings, userById } from './provisioning-fixtures.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ label: 'unchanged_login' });
});
afterAll(async () => server?.stop());

const claims = (name: string) => ({ preferred_username: name, given_name: 'Una', family_name: 'Changed', email: `${name}@example.com` });

async function firstLogin(syncMethod: 'OVERRIDE_ALL' | 'PRESERVE_LOCAL' | null = 'OVERRIDE_ALL') {
  const idp = await createIdp(server, { jit: { attributeSyncMethod: syncMethod } });
  const subject = randomUUID();
  const name = `u${subject.slice(0, 8)}`;
  const login = (extra: Record<string, unknown> = {}) =>
    provisionLogin(deps(server), idp, identity(idp, subject, { ...claims(name), ...extra }));
  const attempt = () => tryUnchangedLogin(server.ctx.store.db, idp, identity(idp, subject, claims(name)));
  const created = await login();
  if (created.kind !== 'user' || created.outcome !== 'created') throw new Error(`expected a new user: ${JSON.stringify(created)}`);
  return { idp, subject, userId: created.userId, login, attempt };
}

const syncAudits = async (userId: string) =>
  (await server.ctx.store.db.select().from(auditEvents).where(eq(auditEvents.targetId, userId))).filter(
    (a) => a.action === 'jit.user.sync',
  );

describe('a returning login that changes nothing', () => {
  it('is recorded in one statement, with the link touch and the same audit event as a planned one', async () => {
    const { idp, userId, login, attempt } = await firstLogin();
    const [link] = await linksOf(server, idp.id);
    expect(link).toMatchObject({ syncVersion: 1 });
    expect(link!.syncFingerprint).toEqual(expect.any(String));

    // The first returning login may plan (the settings were not seen yet by this process); the next one does not.
    expect(await login()).toMatchObject({ kind: 'user', userId, outcome: 'unchanged' });
    const before = (await linksOf(server, idp.id))[0]!;
    expect(await attempt()).toEqual({ recorded: userId });
    const after = (await linksOf(server, idp.id))[0]!;
    expect(after.lastLoginAt! > before.lastLoginAt!).toBe(true);
    expect(after.lastClaims).toEqual(before.lastClaims);

    const audits = await syncAudits(userId);
    expect(audits).toHaveLength(2);
    const [planned, recorded] = audits.sort((a, b) => a.id - b.id);
    const shape = (a: typeof planned) => ({ ...a, id: 0, at: null });
    expect(shape(recorded)).toEqual(shape(planned));
    expect(recorded).toMatchObject({
      actorType: 'idp',
      actorId: idp.id,
      targetType: 'user',
      outcome: 'success',
      reason: `returning identity linked to user ${userId}; attribute sync OVERRIDE_ALL: no changes`,
      details: { syncMethod: 'OVERRIDE_ALL', changed: [], groupsAdded: [], groupsRemoved: [] },
    });
    expect((await outboxFor(server, userId)).map((e) => e.eventType)).toEqual(['create']);
    expect((await userById(server, userId))!.version).toBe(1);
  });

  it('plans when the user changed since (OVERRIDE_ALL drops the local title), then is recorded again', async () => {
    const { userId, login, attempt } = await firstLogin();
    const user = (await userById(server, userId))!;
    await updateUser(server.ctx.store.db, userId, { resource: { ...user.resource, title: 'Local' } }, user.version);
    const planned = await attempt();
    expect(planned).not.toBeNull();
    expect(planned && 'prepared' in planned).toBe(true);
    expect(await login()).toEqual({ kind: 'user', userId, outcome: 'updated' });
    expect((await userById(server, userId))!.resource.title).toBeUndefined();
    expect(await attempt()).toEqual({ recorded: userId });
  });

  it('PRESERVE_LOCAL keeps a local attribute, and the login after is recorded in one statement', async () => {
    const { userId, login, attempt } = await firstLogin('PRESERVE_LOCAL');
    const user = (await userById(server, userId))!;
    await updateUser(server.ctx.store.db, userId, { resource: { ...user.resource, title: 'Local' } }, user.version);
    expect(await login()).toEqual({ kind: 'user', userId, outcome: 'unchanged' });
    expect(await attempt()).toEqual({ recorded: userId });
    expect((await userById(server, userId))!.resource.title).toBe('Local');
  });

  it('plans when the claims changed', async () => {
    const { userId, login, attempt } = await firstLogin();
    expect(await login({ family_name: 'Other' })).toEqual({ kind: 'user', userId, outcome: 'updated' });
    expect(await attempt()).not.toEqual({ recorded: userId }); // the link now holds the new claims' fingerprint
    expect(await login()).toEqual({ kind: 'user', userId, outcome: 'updated' });
    expect(await attempt()).toEqual({ recorded: userId });
  });

  it('plans when the IdP now vouches for the email, so the email provenance records it', async () => {
    const { userId, login, attempt } = await firstLogin();
    expect(await login()).toMatchObject({ outcome: 'unchanged' });
    expect(await attempt()).toEqual({ recorded: userId });
    const emailEntries = async () =>
      Object.entries(((await userById(server, userId))!.provenance ?? {}) as Record<string, { emailVerified?: boolean }>)
        .filter(([key]) => key.startsWith('emails'))
        .map(([, entry]) => entry.emailVerified);
    expect(await emailEntries()).toEqual([false]);
    // Same claims but email_verified: the fingerprint differs, the login plans and rewrites the email's entry.
    expect(await login({ email_verified: true })).toMatchObject({ kind: 'user', userId });
    expect(await emailEntries()).toEqual([true]);
  });

  it('a locked link or user is refused, never recorded', async () => {
    const { idp, userId, login, attempt } = await firstLogin();
    expect(await login()).toMatchObject({ outcome: 'unchanged' });
    const [link] = await linksOf(server, idp.id);
    await setLinkLocked(server.ctx.store.db, link!.id, true);
    expect(await attempt()).not.toEqual({ recorded: userId });
    expect(await login()).toMatchObject({ kind: 'refused', code: 'link_locked' });
    await setLinkLocked(server.ctx.store.db, link!.id, false);
    expect(await attempt()).toEqual({ recorded: userId });

    await updateUser(server.ctx.store.db, userId, { locked: true, lockedReason: 'test' });
    expect(await login()).toMatchObject({ kind: 'refused', code: 'user_locked' });
    expect(await attempt()).not.toEqual({ recorded: userId });
  });

  it('only a recorded login vouches that its user may sign in; a deactivated user plans (the sign-in then refuses it)', async () => {
    const { userId, login, attempt } = await firstLogin();
    expect(await login()).toMatchObject({ outcome: 'unchanged' });
    expect(await login()).toEqual({ kind: 'user', userId, outcome: 'unchanged', usable: true });
    const user = (await userById(server, userId))!;
    await updateUser(server.ctx.store.db, userId, { resource: { ...(user.resource as ScimUserResource), active: false } });
    expect(await attempt()).not.toEqual({ recorded: userId });
    const planned = await login();
    expect(planned).toMatchObject({ kind: 'user', userId });
    expect(planned).not.toHaveProperty('usable');
  });

  it('plans for a user with consent receipts', async () => {
    const { idp, userId, login, attempt } = await firstLogin();
    expect(await login()).toMatchObject({ outcome: 'unchanged' });
    await recordConsentReceipts(server.ctx.store.db, {
      userId,
      idpId: idp.id,
      receipts: [{ purposeId: randomUUID(), purposeSnapshot: {} as never, consented: [], declined: ['name.familyName'] }],
    });
    expect(await attempt()).not.toEqual({ recorded: userId });
    expect(await login()).toEqual({ kind: 'user', userId, outcome: 'unchanged' });
  });

  it('plans after the settings changed (the sync method may come from them)', async () => {
    const { userId, login, attempt } = await firstLogin(null);
    expect(await login()).toMatchObject({ outcome: 'unchanged' });
    expect(await attempt()).toEqual({ recorded: userId });
    await setJitSettings(server, { preserveLocallyAddedClaims: true });
    try {
      expect(await attempt()).not.toEqual({ recorded: userId });
      expect(await login()).toEqual({ kind: 'user', userId, outcome: 'unchanged' });
      const audits = await syncAudits(userId);
      expect(audits.sort((a, b) => b.id - a.id)[0]!.details).toMatchObject({ syncMethod: 'PRESERVE_LOCAL' });
      expect(await attempt()).toEqual({ recorded: userId });
    } finally {
      await setJitSettings(server, {});
    }
  });

  it('a policy change with the same claims makes the next login plan, with no version to bump', async () => {
    const { idp, subject, userId, login, attempt } = await firstLogin();
    expect(await login()).toMatchObject({ outcome: 'unchanged' });
    expect(await attempt()).toEqual({ recorded: userId });
    // The same mapped claims, but the admin changed the policy: the link's fingerprint no longer matches.
    const changed = { ...idp, trustEmail: true, jit: { ...idp.jit, associateLocalUser: true } };
    const again = () => tryUnchangedLogin(server.ctx.store.db, changed, identity(changed, subject, claims(`u${subject.slice(0, 8)}`)));
    expect(await again()).toMatchObject({ prepared: expect.anything() });
    // Planned, it is unchanged (or updated, if the email's provenance now records the IdP's word) and the link
    // takes the new fingerprint: the login after is recorded again.
    const planned = await provisionLogin(deps(server), changed, identity(changed, subject, claims(`u${subject.slice(0, 8)}`)));
    expect(planned).toMatchObject({ kind: 'user', userId });
    expect(await again()).toEqual({ recorded: userId });
  });

  it('a mapping change makes the next login update the user, with no version to bump', async () => {
    const { idp, subject, userId, login, attempt } = await firstLogin();
    expect(await login()).toMatchObject({ outcome: 'unchanged' });
    expect(await attempt()).toEqual({ recorded: userId });
    // family_name is no longer mapped: under OVERRIDE_ALL the next login removes it.
    const remapped = { ...idp, claimMappings: idp.claimMappings.filter((m) => m.remote !== 'family_name') };
    const next = identity(remapped, subject, claims(`u${subject.slice(0, 8)}`));
    expect(await tryUnchangedLogin(server.ctx.store.db, remapped, next)).toMatchObject({ prepared: expect.anything() });
    expect(await provisionLogin(deps(server), remapped, next)).toEqual({ kind: 'user', userId, outcome: 'updated' });
    expect((await userById(server, userId))!.resource.name?.familyName).toBeUndefined();
  });
});
