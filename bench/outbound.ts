// `npm run bench:outbound`: outbound provisioning to a real downstream (a second jitbridge with its own
// database and SCIM server). Measures delivery throughput (a backlog of user creations drained by the
// worker), and the lag from commit to delivery at p50/p99 under a steady producer the worker keeps up with.
// The baseline, run in the same process, is the same downstream taking the same POSTs directly (same
// concurrency) — the ratio says what outbound adds on top of the downstream's own speed.
//   DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres): fresh databases are created and dropped.
//   BENCH_USERS (default 10000), BENCH_BASELINE (default 2000), BENCH_RATE (steady users/s, default 200),
//   BENCH_STEADY_SECONDS (default 10), BENCH_CONCURRENCY (requests in flight, default 16).
import { outboundNetworkFor } from '../src/net/index.js';
import { sql } from 'drizzle-orm';
import { OutboundWorker, type OutboundWorkerOptions } from '../src/outbound/index.js';
import { rows } from '../src/store/database.js';
import { createUsers } from '../test/support/outbound-events.js';
import { createScimClient } from '../test/support/scim-client.js';
import { startTestServer, type TestServer } from '../test/support/server.js';

process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const BASELINE = Number(process.env.BENCH_BASELINE ?? 2_000);
const RATE = Number(process.env.BENCH_RATE ?? 200);
const STEADY_SECONDS = Number(process.env.BENCH_STEADY_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function lagPercentiles(server: TestServer, connectorId: string, prefix: string) {
  const [row] = await rows<{ p50: number; p99: number; n: number; first: number; last: number }>(
    server.ctx.store.db,
    sql`select percentile_cont(0.5) within group (order by extract(epoch from d.delivered_at - e.created_at)) as p50,
               percentile_cont(0.99) within group (order by extract(epoch from d.delivered_at - e.created_at)) as p99,
               count(*)::int as n,
               extract(epoch from min(e.created_at))::float8 as first, extract(epoch from max(d.delivered_at))::float8 as last
        from outbound_deliveries d join outbox_events e on e.id = d.event_id
        where d.connector_id = ${connectorId} and d.status = 'delivered' and e.payload->>'userName' like ${`${prefix}%`}`,
  );
  return { p50: Number(row!.p50), p99: Number(row!.p99), n: Number(row!.n), spanSeconds: Number(row!.last) - Number(row!.first) };
}

async function deliveredCount(server: TestServer, connectorId: string, prefix: string): Promise<number> {
  const [row] = await rows<{ n: number }>(
    server.ctx.store.db,
    sql`select count(*)::int as n from outbound_deliveries d join outbox_events e on e.id = d.event_id
        where d.connector_id = ${connectorId} and d.status = 'delivered' and e.payload->>'userName' like ${`${prefix}%`}`,
  );
  return Number(row!.n);
}

async function main() {
  const [upstream, downstream] = await Promise.all([
    startTestServer({ label: 'bench_out_up' }),
    startTestServer({ label: 'bench_out_down' }),
  ]);
  try {
    const scim = await createScimClient(downstream, { name: 'bench' });

    // Baseline: the downstream taking POST /Users directly, CONCURRENCY in flight.
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < BASELINE; i = next++) {
          const response = await scim.call('POST', '/Users', {
            schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
            userName: `base${i}`,
            title: 'v1',
          });
          if (response.status !== 201) throw new Error(`baseline POST ${response.status}`);
        }
      }),
    );
    const baselinePerSecond = BASELINE / ((performance.now() - t0) / 1000);

    const created = await upstream.admin('POST', '/api/v1/outbound-connectors', {
      name: 'bench downstream',
      baseUrl: `${downstream.url}/scim/v2`,
      auth: { type: 'bearer', token: scim.token },
      delivery: { concurrency: CONCURRENCY },
    });
    const connectorId = ((await created.json()) as { id: string }).id;
    const batches: Array<{ claimed: number; claimMs: number; deliverMs: number; recordMs: number }> = [];
    const options: OutboundWorkerOptions = {
      store: upstream.ctx.store,
      network: outboundNetworkFor(upstream.ctx.config),
      pollIntervalMs: 50,
      onBatch: (b) => batches.push(b),
    };
    const worker = new OutboundWorker(options);

    // Backlog: USERS creations committed first (one transaction each), then the worker starts and drains
    // them: delivery throughput alone, not bounded by how fast this machine can produce.
    const produceStart = performance.now();
    await createUsers(upstream.ctx.store, 'burst', USERS, { concurrency: 4 });
    const producedSeconds = (performance.now() - produceStart) / 1000;
    const burstStart = performance.now();
    worker.start();
    while ((await deliveredCount(upstream, connectorId, 'burst')) < USERS) await sleep(100);
    const burstSeconds = (performance.now() - burstStart) / 1000;

    // Steady: RATE users/s for STEADY_SECONDS, one transaction each; lag is what a user waits.
    const steadyTotal = RATE * STEADY_SECONDS;
    const steadyStart = performance.now();
    for (let i = 0; i < steadyTotal; i += Math.max(1, Math.round(RATE / 20))) {
      const count = Math.min(Math.max(1, Math.round(RATE / 20)), steadyTotal - i);
      await createUsers(upstream.ctx.store, `steady${i}_`, count, { concurrency: 2 });
      const due = steadyStart + ((i + count) / RATE) * 1000;
      if (due > performance.now()) await sleep(due - performance.now());
    }
    while ((await deliveredCount(upstream, connectorId, 'steady')) < steadyTotal) await sleep(50);
    const steadyLag = await lagPercentiles(upstream, connectorId, 'steady');
    await worker.stop();

    const total = (key: 'claimMs' | 'deliverMs' | 'recordMs') => batches.reduce((sum, b) => sum + b[key], 0) / 1000;
    const perSecond = USERS / burstSeconds;
    const report = {
      database: upstream.ctx.store.kind,
      backlog: {
        users: USERS,
        producedSeconds: +producedSeconds.toFixed(2),
        producedPerSecond: Math.round(USERS / producedSeconds),
        drainedSeconds: +burstSeconds.toFixed(2),
        deliveredPerSecond: Math.round(perSecond),
      },
      steady: { usersPerSecond: RATE, seconds: STEADY_SECONDS, lagP50s: +steadyLag.p50.toFixed(3), lagP99s: +steadyLag.p99.toFixed(3) },
      baseline: { directPostsPerSecond: Math.round(baselinePerSecond), ratio: +(perSecond / baselinePerSecond).toFixed(2) },
      workerTime: {
        batches: batches.length,
        claimSeconds: +total('claimMs').toFixed(1),
        deliverSeconds: +total('deliverMs').toFixed(1),
        recordSeconds: +total('recordMs').toFixed(1),
      },
    };
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await Promise.all([upstream.stop(), downstream.stop()]);
  }
}

await main();
