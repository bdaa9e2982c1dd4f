// Outbound delivery against a SCIM server that fails on a schedule: 500s, 429 with Retry-After, requests
// that never answer. Every event arrives, once, in order per user; dead letters can be listed and retried.
import { outboundNetworkFor } from '../../src/net/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboundWorker } from '../../src/outbound/index.js';
import { createUsers, deleteUser, updateTitle } from '../support/outbound-events.js';
import { startFakeScimServer, type FakeScimServer } from '../support/outbound-fake-scim.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let fake: FakeScimServer;

beforeAll(async () => {
  server = await startTestServer({ label: 'outbound_delivery' });
  fake = await startFakeScimServer();
});
afterAll(async () => {
  await fake?.close();
  await server?.stop();
});

const fast = { maxAttempts: 6, timeoutMs: 300, backoffBaseMs: 20, backoffMaxMs: 200, concurrency: 4 };

async function createConnector(name: string, delivery: Record<string, unknown> = fast): Promise<string> {
  const response = await server.admin('POST', '/api/v1/outbound-connectors', {
    name,
    baseUrl: fake.url,
    auth: { type: 'bearer', token: fake.token },
    delivery,
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

async function disable(id: string) {
  expect((await server.admin('PATCH', `/api/v1/outbound-connectors/${id}`, { enabled: false })).status).toBe(200);
}

function newWorker() {
  return new OutboundWorker({
    store: server.ctx.store,
    network: outboundNetworkFor(server.ctx.config),
    metrics: server.ctx.metrics,
    pollIntervalMs: 10,
    connectorRefreshMs: 0,
    leaseMs: 5_000,
    batchSize: 50,
  });
}

/** Runs worker rounds until `done()` holds (or gives up after `limitMs`). */
async function drain(worker: OutboundWorker, done: () => boolean | Promise<boolean>, limitMs = 20_000) {
  const until = Date.now() + limitMs;
  while (!(await done())) {
    if (Date.now() > until) throw new Error('delivery did not finish in time');
    if ((await worker.runOnce()) === 0) await new Promise((r) => setTimeout(r, 15));
  }
}

/** Whether the connector has taken `expected` events into its queue and none is pending any more. */
const settled = async (connectorId: string, expected: number) => {
  const { items } = (await (await server.admin('GET', `/api/v1/outbound-connectors/${connectorId}/events?limit=500`)).json()) as {
    items: Array<{ status: string }>;
  };
  return items.length >= expected && items.every((d) => d.status !== 'pending');
};
/** A user's titles downstream, op by op; a replayed op that changes nothing shows as one. */
const collapse = (titles: Array<string | null>) => titles.filter((t, i) => i === 0 || t !== titles[i - 1]);

function titlesByUser(externalIds: string[]) {
  return new Map(
    externalIds.map((id) => [
      id,
      fake.applied.filter((op) => op.externalId === id).map((op) => (op.method === 'DELETE' ? 'deleted' : op.title)),
    ]),
  );
}

describe('outbound delivery to a flaky SCIM server', () => {
  it('delivers creates, updates, deactivations and deletes in order per user despite 500s, 429s and timeouts', async () => {
    const connectorId = await createConnector('flaky', { ...fast, maxAttempts: 12 });
    let limited = false;
    let hungCreate = false;
    fake.faults = ({ method, n, body }) => {
      if (n % 7 === 0) return { kind: 'status', status: 500 };
      if (!limited && n > 20) {
        limited = true;
        return { kind: 'status', status: 429, retryAfter: '1' };
      }
      // A create that is applied downstream but whose answer never arrives: the retry must not make a second user.
      if (!hungCreate && method === 'POST' && (body as { userName?: string })?.userName === 'flaky3') {
        hungCreate = true;
        return { kind: 'hang', apply: true };
      }
      if (n % 11 === 0) return { kind: 'hang' };
      return null;
    };
    const ids = await createUsers(server.ctx.store, 'flaky', 12);
    for (const id of ids) await updateTitle(server.ctx.store, id, 'v2');
    for (const id of ids.slice(0, 4)) await updateTitle(server.ctx.store, id, 'v3', { active: false });
    await deleteUser(server.ctx.store, ids[11]!);

    const worker = newWorker();
    await drain(worker, () => settled(connectorId, 29));
    fake.faults = () => null;
    await disable(connectorId);

    expect(hungCreate).toBe(true);
    const remote = [...fake.users.values()];
    expect(remote).toHaveLength(11);
    expect(new Set(remote.map((u) => u.externalId)).size).toBe(11);
    const byUser = titlesByUser(ids);
    for (const [index, id] of ids.entries()) {
      const titles = collapse(byUser.get(id)!);
      const expected = index === 11 ? ['v1', 'v2', 'deleted'] : index < 4 ? ['v1', 'v2', 'v3'] : ['v1', 'v2'];
      expect(titles).toEqual(expected);
    }
    for (const id of ids.slice(0, 4)) expect(remote.find((u) => u.externalId === id)!.active).toBe(false);

    // After the 429 the connector paused for the Retry-After second before talking to the target again.
    // (Requests already in flight when the 429 came back may still land, and on a loaded machine their arrival
    // can lag by a few hundred milliseconds: the grace is 300 ms. Without the pause, requests arrive every few ms.)
    const limitedAt = fake.requests.find((r) => r.status === 429)!.answeredAt;
    const startedSoonAfter = fake.requests.filter((r) => r.at > limitedAt + 300 && r.at < limitedAt + 900);
    expect(startedSoonAfter).toEqual([]);
    expect(fake.requests.some((r) => r.at >= limitedAt + 900)).toBe(true);

    const failed = (await (await server.admin('GET', `/api/v1/outbound-connectors/${connectorId}/events?status=failed`)).json()) as {
      items: unknown[];
    };
    expect(failed.items).toEqual([]);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`outbound_deliveries_total\\{connector="${connectorId}",result="delivered"\\} 29`));
    expect(metrics).toContain('outbound_delivery_lag_seconds_bucket');
  });

  it('dead-letters an event after maxAttempts, lists it, and delivers it when requeued', async () => {
    const connectorId = await createConnector('dead', { ...fast, maxAttempts: 3 });
    let broken = true;
    fake.faults = ({ method, body }) =>
      broken && method === 'POST' && (body as { userName?: string })?.userName === 'dead0' ? { kind: 'status', status: 503 } : null;
    const [doomed, fine] = await createUsers(server.ctx.store, 'dead', 2);
    const worker = newWorker();
    await drain(worker, () => settled(connectorId, 2));

    const listing = await server.admin('GET', `/api/v1/outbound-connectors/${connectorId}/events?status=failed`);
    const failed = (await listing.json()) as {
      items: Array<{ eventId: number; resourceId: string; attempts: number; lastError: string; eventType: string }>;
    };
    expect(failed.items).toHaveLength(1);
    expect(failed.items[0]).toMatchObject({ resourceId: doomed, attempts: 3, eventType: 'create' });
    expect(failed.items[0]!.lastError).toContain('503');
    expect([...fake.users.values()].some((u) => u.externalId === fine)).toBe(true);

    broken = false;
    const retry = await server.admin('POST', `/api/v1/outbound-connectors/${connectorId}/events/${failed.items[0]!.eventId}/retry`);
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual({ requeued: 1, skipped: 0 });
    await drain(worker, async () => [...fake.users.values()].some((u) => u.externalId === doomed));
    expect((await server.admin('POST', `/api/v1/outbound-connectors/${connectorId}/events/${failed.items[0]!.eventId}/retry`)).status).toBe(
      404,
    );
    await disable(connectorId);
  });

  it('lets later events of a user pass a dead letter, and skips the dead letter when it is retried after them', async () => {
    const connectorId = await createConnector('superseded', { ...fast, maxAttempts: 2 });
    let broken = true;
    fake.faults = ({ method, body }) =>
      broken && method === 'POST' && (body as { userName?: string })?.userName === 'later0' ? { kind: 'status', status: 500 } : null;
    const [id] = await createUsers(server.ctx.store, 'later', 1);
    const worker = newWorker();
    await drain(worker, () => settled(connectorId, 1));
    broken = false;
    await updateTitle(server.ctx.store, id!, 'v2');
    await drain(worker, async () => [...fake.users.values()].some((u) => u.externalId === id && u.title === 'v2'));
    const retried = await server.admin('POST', `/api/v1/outbound-connectors/${connectorId}/retry`);
    expect(await retried.json()).toEqual({ requeued: 0, skipped: 1 });
    const remote = [...fake.users.values()].filter((u) => u.externalId === id);
    expect(remote).toHaveLength(1);
    expect(remote[0]!.title).toBe('v2');
    await disable(connectorId);
  });
});
