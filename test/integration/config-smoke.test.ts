import { afterAll, beforeAll, expect, it } from 'vitest';
import { adminBinding, configSchema } from '../../src/admin/index.js';
import { applyConfiguration, exportConfiguration, planConfiguration, renderPlan } from '../../src/config-as-code/index.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ label: 'cfg_smoke', config: { port: 0 } as never });
});
afterAll(async () => server?.stop());

it('smoke', async () => {
  const engine = { store: server.ctx.store, admin: adminBinding(server.ctx), schema: configSchema() };
  const text = `
userStores:
  - domain: employees
    description: Staff
identityProviders:
  - name: Corp
    protocol: oidc
    oidc:
      issuer: https://login.example.com
      clientId: abc
      clientSecret: \${env:CORP_SECRET}
    provisioning:
      jit:
        userstore: EMPLOYEES
applications:
  - name: Timesheets
    clientId: timesheets
    clientSecret: \${env:APP_SECRET}
    redirectUris: [https://ts.example.com/cb]
    identityProviders: [Corp]
    signInFlow:
      steps:
        - options: [{ idp: Corp }]
scimClients:
  - name: HR
    token: \${env:HR_TOKEN}
`;
  const env = { CORP_SECRET: 's3cret', APP_SECRET: 'A'.repeat(0) + 'k9Qz1xVb7Lm2Np4Rt6Yw8Ac0Ed3Gh5Jk7Mn9Pq', HR_TOKEN: 'Zx8Cv7Bn6Ma5Sd4Fg3Hj2Kl1Qw0Er9Ty8Ui7Op6' };
  const source = { text, name: 'jitbridge.yaml', env };
  const plan = await planConfiguration(engine, source);
  console.log(renderPlan(plan));
  const applied = await applyConfiguration(engine, source);
  console.log(applied.applied, applied.summary);
  const again = await planConfiguration(engine, source);
  console.log(renderPlan(again));
  const exported = await exportConfiguration(engine);
  console.log(exported.text, exported.secrets);
  expect(again.changes).toEqual([]);
});
