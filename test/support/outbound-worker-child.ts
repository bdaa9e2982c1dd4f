// A jitbridge process for the outbound crash test: starts the server from the environment (like
// `npm start`), runs the outbound worker with a short lease, and on first start (OUTBOUND_SEED_USERS=n)
// makes a connector to OUTBOUND_TARGET_URL and writes n users, each created then updated (2n events)
// through users-repo with their outbox events, before the worker starts. Prints `ready <url>` and `seeded`.
import { outboundNetworkFor } from '../../src/net/index.js';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config/index.js';
import { authColumns, OutboundWorker } from '../../src/outbound/index.js';
import { startServer } from '../../src/runtime.js';
import { insertConnector } from '../../src/store/index.js';
import { createUsers, updateTitleIn } from './outbound-events.js';

const config = loadConfig({ ...process.env, BACKGROUND_WORKERS: 'off' });
const running = await startServer({ config });
const { store } = running.ctx;
const worker = new OutboundWorker({
  store,
  network: outboundNetworkFor(config),
  metrics: running.ctx.metrics,
  logger: running.ctx.logger,
  pollIntervalMs: 20,
  leaseMs: 2_000,
  connectorRefreshMs: 200,
  batchSize: 200,
  onBatch: process.env.OUTBOUND_DEBUG ? (b) => process.stderr.write(`batch ${JSON.stringify(b)}\n`) : undefined,
});
process.stdout.write(`ready ${running.url}\n`);

const seed = Number(process.env.OUTBOUND_SEED_USERS ?? 0);
if (seed > 0) {
  const id = randomUUID();
  await insertConnector(store.db, {
    id,
    name: 'crash-test target',
    baseUrl: process.env.OUTBOUND_TARGET_URL!,
    ...authColumns({ type: 'bearer', token: process.env.OUTBOUND_TARGET_TOKEN! }, store.secrets, id),
    deliveryOptions: { timeoutMs: 1_000, backoffBaseMs: 20, backoffMaxMs: 200, maxAttempts: 50, concurrency: 16 },
  });
  // Small transactions (100 users each, every write with its own event) keep seeding quick.
  const ids = await createUsers(store, 'crash', seed, { concurrency: 2, perTransaction: 100 });
  for (let i = 0; i < ids.length; i += 100) {
    await store.transaction(async (tx) => {
      for (const id of ids.slice(i, i + 100)) await updateTitleIn(tx, id, 'v2');
    });
  }
  process.stdout.write('seeded\n');
}
// Started after seeding, so that the kill lands in the middle of delivering all of the events.
worker.start();

process.on('SIGTERM', () => {
  void worker
    .stop()
    .then(() => running.close())
    .then(() => process.exit(0));
});
