// `npm run bench:login`: full brokered logins through jitbridge, per second and per login (p50/p99), for
// returning and first-time users. Everything runs in this one process: an upstream OpenID Provider
// (oidc-provider), jitbridge, and the app (openid-client + a cookie-jar browser following the redirects
// and posting the upstream login form). The baseline is the same app signing in at the upstream directly;
// jitbridge's share of a login is the brokered time minus the baseline time. The floor: the same app signing in at
// a second oidc-provider that finishes the interaction at once (memory storage, no form, no upstream, no database),
// i.e. oidc-provider alone answering the four requests a brokered login adds (authorization, interaction, resume,
// token): what any bridge on oidc-provider pays before doing its own work.
//   DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) — a fresh database is created and dropped.
//   BENCH_LOGINS (default 300 per scenario), BENCH_CONCURRENCY (default 4), BENCH_WARMUP (default 30).
//   BENCH_SQL_LOG=1 also prints the statements of one brokered login, grouped by text.
//   BENCH_ONLY=sequential runs only the two one-at-a-time scenarios (for CPU profiles: node --cpu-prof --import tsx).
import * as client from 'openid-client';
import {
  APP_REDIRECT,
  discover,
  redeem,
  registerApp,
  registerUpstreamIdp,
  signInThroughUpstream,
  startLogin,
} from '../test/support/oidc-app.js';
import { passwordHashSlots } from '../src/store/index.js';
import { fastCommit } from '../src/store/database.js';
import { CookieJarBrowser } from '../test/support/oidc-browser.js';
import { startUpstreamOp } from '../test/support/upstream-op.js';
import { startTestServer } from '../test/support/server.js';

process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
const LOGINS = Number(process.env.BENCH_LOGINS ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 30);
const SQL_LOG = process.env.BENCH_SQL_LOG === '1';
const ONLY_SEQUENTIAL = process.env.BENCH_ONLY === 'sequential';
/** scrypt runs of the client secret check so far (NaN on code that does not count them, for A/B runs of older code). */
/** scrypt runs in the process (client secrets take a keyed hash: none are expected from token requests). */
const scryptRuns = () => passwordHashSlots.granted;

/**
 * Counts the SQL statements jitbridge sends: drizzle's query logger (which every transaction's session shares) and,
 * on PostgreSQL, the prepared hot statements that `queryRows` hands to postgres.js directly (`prepare: true`; drizzle's
 * own statements are unnamed and unprepared, so none is counted twice). BEGIN/COMMIT of a transaction are not counted.
 */
function countStatements(...handles: unknown[]) {
  const counter = { total: 0, texts: new Map<string, number>() };
  const count = (query: string) => {
    counter.total++;
    if (SQL_LOG) counter.texts.set(query, (counter.texts.get(query) ?? 0) + 1);
  };
  const logger = { logQuery: count };
  for (const db of new Set(handles)) {
    const session = (db as { session: { logger: unknown; options: { logger?: unknown }; client?: unknown } }).session;
    session.logger = logger;
    session.options.logger = logger;
    const client = session.client as { unsafe?: (text: string, params: unknown[], options?: { prepare?: boolean }) => unknown } | undefined;
    if (typeof client?.unsafe !== 'function') continue;
    const unsafe = client.unsafe.bind(client);
    client.unsafe = (text, params, options) => {
      if (options?.prepare === true) count(text);
      return unsafe(text, params, options);
    };
  }
  return counter;
}

interface Run {
  perSecond: number;
  p50: number;
  p99: number;
  /** CPU time of this process (upstream OP + jitbridge + client) per login, ms: steadier than wall time on a busy machine. */
  cpu: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** Runs `n` logins on `concurrency` lanes; returns logins/s and latency percentiles (ms). */
async function drive(n: number, concurrency: number, login: (i: number) => Promise<void>): Promise<Run> {
  const latencies: number[] = [];
  let next = 0;
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < n; i = next++) {
        const t = process.hrtime.bigint();
        await login(i);
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  return {
    perSecond: n / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpu: (cpu.user + cpu.system) / 1000 / n,
  };
}

const claimsOf = (name: string) => ({
  email: `${name}@example.com`,
  email_verified: true,
  given_name: 'Bench',
  family_name: name,
  name: `Bench ${name}`,
  preferred_username: name,
});

async function main() {
  const upstream = await startUpstreamOp();
  // The floor: an OpenID Provider on oidc-provider alone (memory storage, no login form, no upstream, no
  // database) serving the same app the four requests a brokered login adds to the baseline's (authorization,
  // interaction, resume, token). jitbridge answers each of those and does more in each.
  const floor = await startUpstreamOp({ signInAtOnce: true });
  const server = await startTestServer({ label: 'bench_login' });
  try {
    const idp = await registerUpstreamIdp(server, upstream, { name: 'Bench Corp' });
    const app = await registerApp(server, { name: 'Bench app', identityProviders: [idp.id] });
    const config = await discover(server, app);
    upstream.addRedirectUri(APP_REDIRECT);
    floor.addRedirectUri(APP_REDIRECT);
    const floorConfig = await client.discovery(
      new URL(floor.issuer),
      floor.clientId,
      floor.clientSecret,
      client.ClientSecretBasic(floor.clientSecret),
      {
        execute: [client.allowInsecureRequests],
      },
    );
    const upstreamConfig = await client.discovery(
      new URL(upstream.issuer),
      upstream.clientId,
      upstream.clientSecret,
      client.ClientSecretBasic(upstream.clientSecret),
      {
        execute: [client.allowInsecureRequests],
      },
    );

    /** Seconds jitbridge spent answering requests so far (its request-duration histogram's sum). */
    const handlerSeconds = async () => {
      const metric = await server.ctx.metrics.httpDuration.get();
      return metric.values.filter((v) => v.metricName?.endsWith('_sum')).reduce((sum, v) => sum + v.value, 0);
    };
    const brokered = async (name: string) => {
      const started = await startLogin(config);
      const tokens = await redeem(config, started, await signInThroughUpstream(new CookieJarBrowser(), started, name));
      if (!tokens.id_token) throw new Error('no ID token');
    };
    const direct = async (name: string) => {
      const started = await startLogin(upstreamConfig, { scope: 'openid email profile' });
      const tokens = await redeem(upstreamConfig, started, await signInThroughUpstream(new CookieJarBrowser(), started, name));
      if (!tokens.id_token) throw new Error('no ID token');
    };

    const atFloor = async (name: string) => {
      const started = await startLogin(floorConfig, { scope: 'openid email profile', login_hint: name });
      const landing = await new CookieJarBrowser().follow(started.authorizationUrl, {}, APP_REDIRECT);
      if (landing.response) throw new Error(`the floor OP answered ${landing.response.status} at ${landing.url}`);
      const tokens = await redeem(floorConfig, started, landing.url);
      if (!tokens.id_token) throw new Error('no ID token');
    };

    const returning = Array.from({ length: 50 }, (_, i) => `returning${i}`);
    for (const name of returning) upstream.setAccount(name, claimsOf(name));
    for (const name of returning) floor.setAccount(name, claimsOf(name));
    // Warm-up: provisions the returning users, fills caches (client secret check, JIT compilation).
    for (let i = 0; i < Math.max(WARMUP, returning.length); i++) await brokered(returning[i % returning.length]!);
    for (let i = 0; i < WARMUP; i++) await direct(returning[i % returning.length]!);
    for (let i = 0; i < WARMUP; i++) await atFloor(returning[i % returning.length]!);

    const statements = countStatements(server.ctx.store.db, fastCommit(server.ctx.store.db));
    if (SQL_LOG) {
      await brokered(returning[0]!);
      process.stdout.write(`\nstatements of one brokered returning login (${statements.total}):\n`);
      for (const [text, n] of statements.texts) process.stdout.write(`  ${n} × ${text.replace(/\s+/g, ' ').slice(0, 220)}\n`);
      statements.texts.clear();
    }
    const scryptBefore = scryptRuns();
    const skipped: Run = { perSecond: NaN, p50: NaN, p99: NaN, cpu: NaN };
    const baseline = ONLY_SEQUENTIAL ? skipped : await drive(LOGINS, CONCURRENCY, (i) => direct(returning[i % returning.length]!));
    let mark = await handlerSeconds();
    const returningRun = ONLY_SEQUENTIAL ? skipped : await drive(LOGINS, CONCURRENCY, (i) => brokered(returning[i % returning.length]!));
    const returningHandlers = (((await handlerSeconds()) - mark) * 1000) / LOGINS;
    for (let i = 0; i < LOGINS; i++) upstream.setAccount(`first${i}`, claimsOf(`first${i}`));
    mark = await handlerSeconds();
    let counted = statements.total;
    const firstRun = ONLY_SEQUENTIAL ? skipped : await drive(LOGINS, CONCURRENCY, (i) => brokered(`first${i}`));
    const firstStatements = (statements.total - counted) / LOGINS;
    const firstHandlers = (((await handlerSeconds()) - mark) * 1000) / LOGINS;
    // Sequential runs show the latency of one login without queueing behind the others.
    const baselineSeq = await drive(Math.ceil(LOGINS / 3), 1, (i) => direct(returning[i % returning.length]!));
    const floorBefore = { ...floor.handled };
    const floorSeq = await drive(Math.ceil(LOGINS / 3), 1, (i) => atFloor(returning[i % returning.length]!));
    const floorHandlers = (floor.handled.ms - floorBefore.ms) / Math.ceil(LOGINS / 3);
    const floorRequests = (floor.handled.requests - floorBefore.requests) / Math.ceil(LOGINS / 3);
    mark = await handlerSeconds();
    counted = statements.total;
    const returningSeq = await drive(Math.ceil(LOGINS / 3), 1, (i) => brokered(returning[i % returning.length]!));
    const returningStatements = (statements.total - counted) / Math.ceil(LOGINS / 3);
    const seqHandlers = (((await handlerSeconds()) - mark) * 1000) / Math.ceil(LOGINS / 3);

    // Where jitbridge's time goes, by route (mean ms per request over the whole run).
    const byRoute = new Map<string, { sum: number; count: number }>();
    for (const v of (await server.ctx.metrics.httpDuration.get()).values) {
      const route = `${v.labels.method} ${v.labels.route}`;
      const entry = byRoute.get(route) ?? { sum: 0, count: 0 };
      if (v.metricName?.endsWith('_sum')) entry.sum += v.value;
      if (v.metricName?.endsWith('_count')) entry.count += v.value;
      byRoute.set(route, entry);
    }
    const fmt = (r: Run) =>
      `${r.perSecond.toFixed(1).padStart(7)} logins/s   p50 ${r.p50.toFixed(1).padStart(6)} ms   p99 ${r.p99.toFixed(1).padStart(6)} ms   CPU ${r.cpu.toFixed(1).padStart(5)} ms/login`;
    const database = server.database.kind === 'postgres' ? 'PostgreSQL' : 'PGlite';
    process.stdout.write(
      `\nbench:login — ${LOGINS} logins per scenario, ${CONCURRENCY} concurrent, ${database}, Node ${process.version}\n`,
    );
    process.stdout.write(`  baseline (app ↔ upstream OP directly)  ${fmt(baseline)}\n`);
    process.stdout.write(`  brokered, returning users             ${fmt(returningRun)}\n`);
    process.stdout.write(`  brokered, first-time users (JIT)      ${fmt(firstRun)}\n`);
    process.stdout.write(`  sequential baseline                   ${fmt(baselineSeq)}\n`);
    process.stdout.write(`  sequential brokered, returning        ${fmt(returningSeq)}\n`);
    process.stdout.write(`  sequential floor (oidc-provider alone)${fmt(floorSeq)}\n`);
    process.stdout.write(`  jitbridge's share per login (p50, sequential): ${(returningSeq.p50 - baselineSeq.p50).toFixed(1)} ms\n`);
    process.stdout.write(
      `  the floor (oidc-provider alone, ${floorRequests.toFixed(0)} requests per login, one at a time): a whole login p50 ${floorSeq.p50.toFixed(1)} ms, ` +
        `${floorHandlers.toFixed(1)} ms inside the OP's request handlers; jitbridge's share is ${((returningSeq.p50 - baselineSeq.p50) / floorSeq.p50).toFixed(2)}× the floor's login\n`,
    );
    process.stdout.write(
      `  jitbridge's share per login (p50, ${CONCURRENCY} concurrent): returning ${(returningRun.p50 - baseline.p50).toFixed(1)} ms, first-time ${(firstRun.p50 - baseline.p50).toFixed(1)} ms\n`,
    );
    process.stdout.write(
      `  time inside jitbridge's request handlers per login (includes its calls to the upstream token endpoint): sequential ${seqHandlers.toFixed(1)} ms, ` +
        `concurrent returning ${returningHandlers.toFixed(1)} ms, first-time ${firstHandlers.toFixed(1)} ms\n`,
    );
    for (const [route, { sum, count }] of [...byRoute].filter(([, e]) => e.count > LOGINS / 2).sort((a, b) => b[1].sum - a[1].sum)) {
      process.stdout.write(`    ${route.padEnd(44)} ${((sum / count) * 1000).toFixed(1).padStart(7)} ms mean over ${count} requests\n`);
    }
    process.stdout.write(
      `  jitbridge's CPU per login (this process, PostgreSQL not counted): returning ${(returningRun.cpu - baseline.cpu).toFixed(1)} ms, first-time ${(firstRun.cpu - baseline.cpu).toFixed(1)} ms\n`,
    );
    process.stdout.write(
      `  SQL statements per login (BEGIN/COMMIT not counted): returning ${returningStatements.toFixed(1)}, first-time ${firstStatements.toFixed(1)}\n`,
    );
    process.stdout.write(
      `  scrypt runs after the warm-up (client secrets take a keyed hash: 0 expected): ${scryptRuns() - scryptBefore}\n`,
    );
    process.stdout.write(
      `  ratio brokered/baseline (logins/s): returning ${(returningRun.perSecond / baseline.perSecond).toFixed(2)}, first-time ${(firstRun.perSecond / baseline.perSecond).toFixed(2)}\n`,
    );
  } finally {
    await server.stop();
    await upstream.stop();
    await floor.stop();
  }
}

await main();
