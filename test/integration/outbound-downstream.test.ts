// Outbound provisioning to a real downstream: a second jitbridge (its own database) and its SCIM server,
// reached with a SCIM client token made through its admin API. Users written on the upstream (through its
// SCIM server and through users-repo) appear downstream; deactivation and deletion follow; a new
// connector catches up through reconciliation with progress in the API.
import { outboundNetworkFor } from '../../src/net/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobHandlers } from '../../src/background/tasks.js';
import { OutboundWorker } from '../../src/outbound/index.js';
import { JobWorker } from '../../src/background/job-worker.js';
import { createUsers } from '../support/outbound-events.js';
import { createScimClient, GROUP_SCHEMA, PATCH_SCHEMA, USER_SCHEMA, type ScimTestClient } from '../support/scim-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

let upstream: TestServer;
let downstream: TestServer;
let upstreamScim: ScimTestClient;
let downstreamScim: ScimTestClient;
let worker: OutboundWorker;

beforeAll(async () => {
  [upstream, downstream] = await Promise.all([startTestServer({ label: 'outbound_up' }), startTestServer({ label: 'outbound_down' })]);
  [upstreamScim, downstreamScim] = await Promise.all([
    createScimClient(upstream, { name: 'hr' }),
    createScimClient(downstream, { name: 'jitbridge upstream' }),
  ]);
  worker = new OutboundWorker({
    store: upstream.ctx.store,
    metrics: upstream.ctx.metrics,
    pollIntervalMs: 10,
    connectorRefreshMs: 0,
    network: outboundNetworkFor(upstream.ctx.config),
  });
});
afterAll(async () => {
  await worker?.stop();
  await Promise.all([upstream?.stop(), downstream?.stop()]);
});

const fast = { timeoutMs: 5_000, backoffBaseMs: 20, backoffMaxMs: 200 };

async function connect(name: string, token = downstreamScim.token, extra: Record<string, unknown> = {}): Promise<string> {
  const response = await upstream.admin('POST', '/api/v1/outbound-connectors', {
    name,
    baseUrl: `${downstream.url}/scim/v2`,
    auth: { type: 'bearer', token },
    delivery: fast,
    ...extra,
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

async function until(check: () => Promise<boolean>, limitMs = 30_000) {
  const end = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    if ((await worker.runOnce()) === 0) await new Promise((r) => setTimeout(r, 20));
  }
}

const remoteByExternalId = async (localId: string) => {
  const found = await downstreamScim.json('GET', `/Users?filter=${encodeURIComponent(`externalId eq "${localId}"`)}`);
  return found.body.Resources as Array<Record<string, any>>;
};

describe('outbound provisioning to a second jitbridge', () => {
  let connectorId: string;

  it('checks the target: ServiceProviderConfig and credentials, and reports a wrong token', async () => {
    connectorId = await connect('downstream');
    const ok = await upstream.admin('POST', `/api/v1/outbound-connectors/${connectorId}/test`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ ok: true, serviceProviderConfig: { patch: true, bulk: true, filter: true } });

    const wrong = await connect('wrong token', 'jbs_not_a_token', { enabled: false });
    const refused = (await (await upstream.admin('POST', `/api/v1/outbound-connectors/${wrong}/test`)).json()) as {
      ok: boolean;
      checks: Array<{ name: string; ok: boolean; code: string; status: number | null; detail: string }>;
    };
    expect(refused.ok).toBe(false);
    expect(refused.checks.find((c) => c.name === 'credentials')).toMatchObject({ ok: false, code: 'credentials_refused', status: 401 });
    expect((await upstream.admin('DELETE', `/api/v1/outbound-connectors/${wrong}`)).status).toBe(204);
  });

  it('pushes a user created through the upstream SCIM server, then its deactivation and deletion', async () => {
    const created = await upstreamScim.json('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'grace',
      name: { givenName: 'Grace', familyName: 'Hopper' },
      emails: [{ value: 'grace@example.com', primary: true }],
    });
    expect(created.status).toBe(201);
    const localId = created.body.id as string;
    await until(async () => (await remoteByExternalId(localId)).length === 1);
    const [remote] = await remoteByExternalId(localId);
    expect(remote).toMatchObject({ userName: 'grace', name: { familyName: 'Hopper' } });
    expect(remote!.active).not.toBe(false);

    const deactivated = await upstreamScim.json('PATCH', `/Users/${localId}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    expect(deactivated.status).toBe(200);
    await until(async () => (await remoteByExternalId(localId))[0]?.active === false);

    expect((await upstreamScim.call('DELETE', `/Users/${localId}`)).status).toBe(204);
    await until(async () => (await remoteByExternalId(localId)).length === 0);
    const events = (await (await upstream.admin('GET', `/api/v1/outbound-connectors/${connectorId}/events`)).json()) as {
      items: Array<{ eventType: string; status: string }>;
    };
    expect(events.items.map((e) => [e.eventType, e.status])).toEqual([
      ['delete', 'delivered'],
      ['deactivate', 'delivered'],
      ['create', 'delivered'],
    ]);
  });

  it('pushes groups with their members translated to downstream ids, member changes as deltas, and deletion', async () => {
    const [ada, alan] = await Promise.all(
      ['ada', 'alan'].map(
        async (userName) => (await upstreamScim.json('POST', '/Users', { schemas: [USER_SCHEMA], userName })).body.id as string,
      ),
    );
    const group = await upstreamScim.json('POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'pioneers',
      members: [{ value: ada }],
    });
    expect(group.status).toBe(201);
    const remoteGroup = async () => {
      const found = await downstreamScim.json('GET', `/Groups?filter=${encodeURIComponent('displayName eq "pioneers"')}`);
      const id = found.body.Resources?.[0]?.id as string | undefined;
      return id ? (await downstreamScim.json('GET', `/Groups/${id}`)).body : null;
    };
    const remoteMemberNames = async () => {
      const body = await remoteGroup();
      if (!body) return null;
      const names = await Promise.all(
        ((body.members ?? []) as Array<{ value: string }>).map(
          async (m) => (await downstreamScim.json('GET', `/Users/${m.value}`)).body.userName,
        ),
      );
      return names.sort();
    };
    await until(async () => JSON.stringify(await remoteMemberNames()) === JSON.stringify(['ada']));

    const added = await upstreamScim.call('PATCH', `/Groups/${group.body.id}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'add', path: 'members', value: [{ value: alan }] }],
    });
    expect(added.status).toBeLessThan(300);
    await until(async () => JSON.stringify(await remoteMemberNames()) === JSON.stringify(['ada', 'alan']));
    const removed = await upstreamScim.call('PATCH', `/Groups/${group.body.id}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'remove', path: `members[value eq "${ada}"]` }],
    });
    expect(removed.status).toBeLessThan(300);
    await until(async () => JSON.stringify(await remoteMemberNames()) === JSON.stringify(['alan']));

    expect((await upstreamScim.call('DELETE', `/Groups/${group.body.id}`)).status).toBe(204);
    await until(async () => (await remoteGroup()) === null);
  });

  it('makes one downstream user per local user when many are written at once', async () => {
    const ids = await createUsers(upstream.ctx.store, 'many', 60, { concurrency: 4 });
    await until(async () => {
      const list = await downstreamScim.json('GET', `/Users?filter=${encodeURIComponent('userName sw "many"')}&count=200`);
      return list.body.totalResults === 60;
    });
    for (const id of ids.slice(0, 5)) expect(await remoteByExternalId(id)).toHaveLength(1);
    // The downstream advertises Bulk: first-attempt creates went out in Bulk requests.
    expect(await (await fetch(`${downstream.url}/metrics`)).text()).toMatch(
      /http_requests_total\{method="POST",route="[^"]*Bulk",status="200"\} \d+/,
    );
  });

  it('reconciles a new connector: every in-scope user once, progress readable from the API', async () => {
    expect((await upstream.admin('PATCH', `/api/v1/outbound-connectors/${connectorId}`, { enabled: false })).status).toBe(200);
    const late = await createUsers(upstream.ctx.store, 'late', 25);
    const syncing = await connect('catch-up');
    await worker.runOnce();
    expect(await remoteByExternalId(late[0]!)).toHaveLength(0);
    expect((await upstream.admin('GET', `/api/v1/outbound-connectors/${syncing}/sync`)).status).toBe(404);

    const started = await upstream.admin('POST', `/api/v1/outbound-connectors/${syncing}/sync`);
    expect(started.status).toBe(202);
    expect(await started.json()).toMatchObject({ status: 'pending', delivered: 0 });
    const jobs = new JobWorker({ db: upstream.ctx.store.db, handlers: jobHandlers(upstream.ctx), pollIntervalMs: 10 });
    while ((await jobs.runOnce()) > 0);
    const queued = (await (await upstream.admin('GET', `/api/v1/outbound-connectors/${syncing}/sync`)).json()) as Record<
      string,
      number | string
    >;
    expect(queued).toMatchObject({ status: 'done', total: 87, queued: 87 });

    await until(async () => {
      const progress = (await (await upstream.admin('GET', `/api/v1/outbound-connectors/${syncing}/sync`)).json()) as { delivered: number };
      return progress.delivered === 87;
    });
    for (const id of late) expect(await remoteByExternalId(id)).toHaveLength(1);
    const all = await downstreamScim.json('GET', `/Users?filter=${encodeURIComponent('userName sw "late"')}&count=200`);
    expect(all.body.totalResults).toBe(25);
  });
});
