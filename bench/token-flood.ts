// `npm run bench:token-flood`: what a flood of wrong client secrets at /oidc/token does to everything else
// (issue 20). Probes — /healthz, a SCIM read and /federation/:id/start — run one after another, first with
// nothing else going on (the baseline), then while FLOOD_CONCURRENCY clients send wrong secrets as fast as they
// are answered. Run twice: against a client secret stored as jitbridge stores it (a keyed hash: a wrong secret
// costs microseconds) and against one stored as an earlier version did (scrypt: each wrong secret takes a slot of
// PASSWORD_HASH_CONCURRENCY). Prints probe latency p50/p99 and its ratio to the baseline, and the token answers.
//   DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres): fresh databases are created and dropped.
//   BENCH_SECONDS (per phase, default 8), BENCH_FLOOD_CONCURRENCY (default 200).
import { sql } from 'drizzle-orm';
import { forgetCachedApplications, hashPassword } from '../src/store/index.js';
import { APP_REDIRECT, registerApp } from '../test/support/oidc-app.js';
import { startTestServer } from '../test/support/server.js';
import { startUpstreamOp } from '../test/support/upstream-op.js';

process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const FLOOD = Number(process.env.BENCH_FLOOD_CONCURRENCY ?? 200);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function main() {
  const [server, upstream] = await Promise.all([startTestServer({ label: 'bench_flood' }), startUpstreamOp({ claimsIn: 'userinfo' })]);
  try {
    const idp = (await (
      await server.admin('POST', '/api/v1/identity-providers', {
        name: 'Upstream OP',
        protocol: 'oidc',
        oidc: { issuer: upstream.issuer, clientId: 'bridge', clientSecret: 'bridge-secret-0123456789' },
      })
    ).json()) as { id: string; oidc: { redirectUri: string } };
    upstream.addClient({ clientId: 'bridge', clientSecret: 'bridge-secret-0123456789', redirectUri: idp.oidc.redirectUri });
    const scimToken = (
      (await (await server.admin('POST', '/api/v1/scim-clients', { name: 'reader', scopes: ['scim:read'] })).json()) as { token: string }
    ).token;
    const app = await registerApp(server, { identityProviders: [idp.id] });

    const probes: Record<string, () => Promise<Response>> = {
      '/healthz': () => fetch(`${server.url}/healthz`),
      'SCIM GET /Users?count=1': () => fetch(`${server.url}/scim/v2/Users?count=1`, { headers: { authorization: `Bearer ${scimToken}` } }),
      '/federation/:id/start': () => fetch(`${server.url}/federation/${idp.id}/start?return_to=/done`, { redirect: 'manual' }),
    };
    const measure = async (): Promise<Record<string, number[]>> => {
      const times: Record<string, number[]> = Object.fromEntries(Object.keys(probes).map((k) => [k, []]));
      const until = performance.now() + SECONDS * 1000;
      while (performance.now() < until) {
        for (const [name, probe] of Object.entries(probes)) {
          const t0 = performance.now();
          const answer = await probe();
          await answer.arrayBuffer();
          times[name]!.push(performance.now() - t0);
        }
      }
      return times;
    };
    const flood = (stop: { done: boolean }, statuses: Map<number, number>) =>
      Promise.all(
        Array.from({ length: FLOOD }, async (_, i) => {
          while (!stop.done) {
            const answer = await fetch(`${server.url}/oidc/token`, {
              method: 'POST',
              headers: {
                'content-type': 'application/x-www-form-urlencoded',
                authorization: `Basic ${Buffer.from(`${app.clientId}:jbcs_wrong_${i}`).toString('base64')}`,
              },
              body: new URLSearchParams({
                grant_type: 'authorization_code',
                code: 'x',
                redirect_uri: APP_REDIRECT,
                code_verifier: 'x'.repeat(43),
              }),
            });
            await answer.arrayBuffer();
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          }
        }),
      );

    await measure(); // warm-up
    const baseline = await measure();
    const report = (label: string, times: Record<string, number[]>, statuses?: Map<number, number>) => {
      console.log(`\n${label}`);
      console.log('| probe | p50 ms | p99 ms | p50 / baseline p50 |');
      console.log('| --- | ---: | ---: | ---: |');
      for (const [name, list] of Object.entries(times)) {
        const sorted = [...list].sort((a, b) => a - b);
        const base = [...baseline[name]!].sort((a, b) => a - b);
        const ratio = percentile(sorted, 50) / percentile(base, 50);
        console.log(`| ${name} | ${percentile(sorted, 50).toFixed(1)} | ${percentile(sorted, 99).toFixed(1)} | ${ratio.toFixed(2)} |`);
      }
      if (statuses) {
        const total = [...statuses.values()].reduce((a, b) => a + b, 0);
        const answers = [...statuses].map(([status, n]) => `${status}×${n}`).join(', ');
        console.log(`token answers: ${answers} (${(total / SECONDS).toFixed(0)}/s)`);
      }
    };
    report('baseline: probes alone', baseline);

    for (const stored of ['keyed hash (as stored now)', 'scrypt (as stored by earlier versions)']) {
      if (stored.startsWith('scrypt')) {
        const legacy = await hashPassword(app.clientSecret!);
        await server.ctx.store.db.execute(sql`update applications set client_secret_hash = ${legacy} where id = ${app.id}`);
        forgetCachedApplications(server.ctx.store.db);
      }
      const stop = { done: false };
      const statuses = new Map<number, number>();
      const flooding = flood(stop, statuses);
      const during = await measure();
      stop.done = true;
      await flooding;
      report(`during ${FLOOD} concurrent wrong-secret token requests, secret stored as ${stored}`, during, statuses);
    }
  } finally {
    await Promise.all([server.stop(), upstream.stop()]);
  }
}

await main();
process.exit(0);
