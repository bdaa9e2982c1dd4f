// The out-of-order commit trap: an event that commits after a later-numbered one must still be delivered
// (a plain "id > cursor" scan would step over it), and several workers on one database never deliver a
// user's events out of order or twice.
import { outboundNetworkFor } from '../../src/net/index.js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCIM_USER_SCHEMA } from '../../src/domain/index.js';
import { OutboundWorker } from '../../src/outbound/index.js';
import { usingPostgres } from '../support/database.js';
import { createUsers, primaryStoreId, updateTitle } from '../support/outbound-events.js';
import { startFakeScimServer, type FakeScimServer } from '../support/outbound-fake-scim.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let fake: FakeScimServer;
let connectorId: string;

beforeAll(async () => {
  server = await startTestServer({ label: 'outbound_ordering' });
  fake = await startFakeScimServer();
  const response = await server.admin('POST', '/api/v1/outbound-connectors', {
    name: 'ordering',
    baseUrl: fake.url,
    auth: { type: 'bearer', token: fake.token },
    delivery: { timeoutMs: 2_000, backoffBaseMs: 10, backoffMaxMs: 50, concurrency: 8 },
  });
  connectorId = ((await response.json()) as { id: string }).id;
});
afterAll(async () => {
  await fake?.close();
  await server?.stop();
});

const newWorker = () =>
  new OutboundWorker({
    store: server.ctx.store,
    pollIntervalMs: 5,
    connectorRefreshMs: 0,
    batchSize: 20,
    network: outboundNetworkFor(server.ctx.config),
  });
const remote = (userName: string) => [...fake.users.values()].filter((u) => u.userName === userName);

describe('outbox cursor', () => {
  // PGlite is one connection in one process: two transactions cannot be open at once there.
  it.skipIf(!usingPostgres())('delivers an event whose transaction commits after a later-numbered event was delivered', async () => {
    const storeId = await primaryStoreId(server.ctx.store);
    const other = postgres(server.database.url!, { max: 1, onnotice: () => {} });
    try {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let drawn!: () => void;
      const idDrawn = new Promise<void>((resolve) => (drawn = resolve));
      // Transaction A: writes a user and its event (the lower outbox id), then waits before committing.
      const slow = other.begin(async (tx) => {
        const resource = { schemas: [SCIM_USER_SCHEMA], userName: 'slowpoke', title: 'v1' };
        const [user] =
          await tx`insert into users (user_store_id, user_name, resource) values (${storeId}, 'slowpoke', ${tx.json(resource)}) returning id`;
        await tx`insert into outbox_events (resource_type, resource_id, user_store_id, event_type, payload)
                 values ('User', ${user!.id}, ${storeId}, 'create', ${tx.json({ ...resource, id: user!.id })})`;
        drawn();
        await held;
      });
      await idDrawn;
      // Transaction B commits a later-numbered event, which the worker delivers while A is still open.
      await createUsers(server.ctx.store, 'quick', 1);
      const worker = newWorker();
      for (let i = 0; i < 50 && remote('quick0').length === 0; i++) await worker.runOnce();
      expect(remote('quick0')).toHaveLength(1);
      expect(remote('slowpoke')).toHaveLength(0);

      release();
      await slow;
      for (let i = 0; i < 200 && remote('slowpoke').length === 0; i++) {
        if ((await worker.runOnce()) === 0) await new Promise((r) => setTimeout(r, 10));
      }
      expect(remote('slowpoke')).toHaveLength(1);
    } finally {
      await other.end();
    }
  });

  it('keeps per-user order with three workers claiming from one database at once', async () => {
    const ids = await createUsers(server.ctx.store, 'multi', 30, { concurrency: 3 });
    for (let round = 2; round <= 4; round++) for (const id of ids) await updateTitle(server.ctx.store, id, `v${round}`);
    const workers = [newWorker(), newWorker(), newWorker()];
    const done = () => ids.every((id) => [...fake.users.values()].some((u) => u.externalId === id && u.title === 'v4'));
    const end = Date.now() + 60_000;
    await Promise.all(
      workers.map(async (worker) => {
        while (!done() && Date.now() < end) if ((await worker.runOnce()) === 0) await new Promise((r) => setTimeout(r, 5));
      }),
    );
    expect(done()).toBe(true);
    for (const id of ids) {
      const titles = fake.applied.filter((op) => op.externalId === id).map((op) => op.title);
      expect(titles.filter((t, i) => i === 0 || t !== titles[i - 1])).toEqual(['v1', 'v2', 'v3', 'v4']);
    }
    expect(new Set([...fake.users.values()].filter((u) => String(u.userName).startsWith('multi')).map((u) => u.externalId)).size).toBe(30);
    const pending = (await (await server.admin('GET', `/api/v1/outbound-connectors/${connectorId}/events?status=pending`)).json()) as {
      items: unknown[];
    };
    expect(pending.items).toEqual([]);
  });
});
