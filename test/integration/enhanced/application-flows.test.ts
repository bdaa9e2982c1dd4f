// /api/v1/applications with sign-in flows: the step rules answer 400 naming the field, and saving a flow
// that cannot work for some people succeeds with `warnings` (JIT-disabled IdP + MFA, Email OTP without SMTP,
// JIT users who may not enrol without the enhanced feature).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;
let jitOn: string;
let jitOff: string;
beforeAll(async () => {
  server = await startTestServer({ label: 'app_flows' });
  const idp = async (name: string, isEnabled: boolean) => {
    const response = await server.admin('POST', '/api/v1/identity-providers', {
      name,
      protocol: 'oidc',
      oidc: { issuer: `http://127.0.0.1:9/${name}`, clientId: 'jb', clientSecret: 'x' },
      provisioning: { jit: { isEnabled } },
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  };
  jitOn = await idp('with-jit', true);
  jitOff = await idp('without-jit', false);
});
afterAll(async () => server?.stop());

const app = (signInFlow: unknown) => ({
  name: 'Payroll',
  redirectUris: ['https://payroll.example.com/cb'],
  identityProviders: [jitOn, jitOff],
  signInFlow,
});

type Answer = {
  id: string;
  warnings?: Array<{ code: string; message: string }>;
  errors?: Array<{ field: string; message: string }>;
  code?: string;
};
const post = async (body: unknown) => {
  const response = await server.admin('POST', '/api/v1/applications', body);
  return { status: response.status, body: (await response.json()) as Answer };
};

describe('sign-in flows on /api/v1/applications', () => {
  it('refuses second factors in step 1, first factors later, and `when` on step 1, naming the fields', async () => {
    const bad = await post(
      app({
        steps: [{ options: [{ authenticator: 'TOTP' }], when: 'always' }, { options: [{ idp: jitOn }] }],
      }),
    );
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation_failed');
    expect(bad.body.errors!.map((e) => e.field)).toEqual([
      'signInFlow.steps.0.options.0.authenticator',
      'signInFlow.steps.0.when',
      'signInFlow.steps.1.options.0',
    ]);
  });

  it('saves a JIT-disabled IdP with an MFA step, with the warning naming the IdP; none with local_only', async () => {
    const warned = await post(
      app({ steps: [{ options: [{ authenticator: 'LOCAL' }, { idp: jitOff }] }, { options: [{ authenticator: 'TOTP' }] }] }),
    );
    expect(warned.status).toBe(201);
    expect(warned.body.warnings).toEqual([{ code: 'mfa_needs_local_account', message: expect.stringContaining("'without-jit'") }]);

    const patched = await server.admin('PATCH', `/api/v1/applications/${warned.body.id}`, {
      signInFlow: {
        steps: [{ options: [{ authenticator: 'LOCAL' }, { idp: jitOff }] }, { options: [{ authenticator: 'TOTP' }], when: 'local_only' }],
      },
    });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as Answer).warnings).toBeUndefined();
  });

  it('warns about Email OTP without SMTP_URL, and about JIT users who cannot enrol in TOTP while the enhanced feature is off', async () => {
    const answer = await post(app({ steps: [{ options: [{ idp: jitOn }] }, { options: [{ authenticator: 'EMAIL_OTP' }] }] }));
    expect(answer.status).toBe(201);
    // Email OTP needs no enrolment: only the mail server is missing.
    expect(answer.body.warnings!.map((w) => w.code)).toEqual(['email_otp_unavailable']);
    const totp = await post(app({ steps: [{ options: [{ idp: jitOn }] }, { options: [{ authenticator: 'TOTP' }] }] }));
    expect(totp.body.warnings!.map((w) => w.code)).toEqual(['mfa_needs_enhanced_feature']);

    expect((await server.admin('PATCH', '/api/v1/settings', { jit: { enhancedFeature: true } })).status).toBe(200);
    const replaced = await server.admin(
      'PUT',
      `/api/v1/applications/${answer.body.id}`,
      app({ steps: [{ options: [{ idp: jitOn }] }, { options: [{ authenticator: 'TOTP' }] }] }),
    );
    expect(replaced.status).toBe(200);
    expect(((await replaced.json()) as Answer).warnings).toBeUndefined();
  });
});
