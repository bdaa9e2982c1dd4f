// The second step of an app's sign-in flow, end to end: an app signs a person in through jitbridge brokered
// to a real upstream OpenID Provider, then jitbridge asks for TOTP (enrolment with QR code and recovery codes
// shown once; codes from otplib at the moment they are needed; a replayed code refused; a recovery code) or
// Email OTP (the code read from a real SMTP server on loopback, the smtp-server package). `when: local_only`
// skips the step for a federated login; a JIT-disabled IdP in front of TOTP is refused with access_denied.
import type { AddressInfo } from 'node:net';
import { generate } from 'otplib';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_REDIRECT, discover, redeem, registerApp, registerUpstreamIdp, startLogin } from '../support/oidc-app.js';
import { CookieJarBrowser, formAction, hiddenField } from '../support/oidc-browser.js';
import { startUpstreamOp, UPSTREAM_PASSWORD, type UpstreamOp } from '../support/upstream-op.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let upstream: UpstreamOp;
let smtp: SMTPServer;
const inbox: Array<{ to: string[]; raw: string }> = [];
let idpId: string;
let noJitIdpId: string;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        inbox.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const { port } = smtp.server.address() as AddressInfo;
  server = await startTestServer({
    label: 'mfa_sign_in',
    config: { smtpUrl: `smtp://127.0.0.1:${port}`, smtpFrom: 'jitbridge <no-reply@jitbridge.test>' },
  });
  // Federated (JIT-provisioned) users may enrol in TOTP only with the enhanced feature.
  expect((await server.admin('PATCH', '/api/v1/settings', { jit: { enhancedFeature: true } })).status).toBe(200);
  upstream = await startUpstreamOp();
  for (const name of ['tara', 'emma', 'lou', 'nora', 'sam'])
    upstream.setAccount(name, { email: `${name}@example.com`, email_verified: true, name, preferred_username: name });
  idpId = (await registerUpstreamIdp(server, upstream, { name: 'Example Corp' })).id;
});
afterAll(async () => {
  await server?.stop();
  await upstream?.stop();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
});

const appWith = async (first: string, second: Record<string, unknown>) => {
  const app = await registerApp(server, {
    identityProviders: [first],
    signInFlow: { steps: [{ options: [{ idp: first }] }, second] },
  });
  return { app, config: await discover(server, app) };
};

/** App → jitbridge → upstream login → back at jitbridge: the page jitbridge shows next (or the app callback). */
async function stepOne(browser: CookieJarBrowser, config: Awaited<ReturnType<typeof discover>>, login: string) {
  const started = await startLogin(config);
  const landing = await browser.follow(started.authorizationUrl, {}, APP_REDIRECT);
  const html = await landing.response!.text();
  const back = await browser.postForm(formAction(html, landing.url), { login, password: UPSTREAM_PASSWORD }, APP_REDIRECT);
  return { started, back, html: back.response ? await back.response.text() : '' };
}

const codeAt = (secret: string, offsetSeconds = 0) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSeconds });

describe('TOTP', () => {
  let app: Awaited<ReturnType<typeof appWith>>;
  let secret = '';
  let recoveryCodes: string[] = [];
  beforeAll(async () => {
    app = await appWith(idpId, { options: [{ authenticator: 'TOTP' }] });
  });

  it('a federated JIT user enrols (QR code page, first code), sees recovery codes once, and is signed in with amr otp', async () => {
    const browser = new CookieJarBrowser();
    const { started, back, html } = await stepOne(browser, app.config, 'tara');
    expect(back.url).toMatch(/\/login\/[^/]+\/mfa$/);
    expect(html).toContain('Set up your authenticator app');
    expect(html).toContain('src="data:image/png;base64,');
    secret = /Enter this key instead: <code>([A-Z2-7 ]+)<\/code>/.exec(html)![1]!.replace(/ /g, '');
    // A wrong first code: the page again with an error, nothing confirmed.
    const wrong = await browser.postForm(back.url, { csrf: hiddenField(html, 'csrf'), code: '000000' }, APP_REDIRECT);
    expect(wrong.response!.status).toBe(400);
    const retry = await wrong.response!.text();
    // The same secret again: the account already scanned stays the one to confirm.
    expect(/Enter this key instead: <code>([A-Z2-7 ]+)<\/code>/.exec(retry)![1]!.replace(/ /g, '')).toBe(secret);
    const enrolled = await browser.postForm(back.url, { csrf: hiddenField(retry, 'csrf'), code: await codeAt(secret) }, APP_REDIRECT);
    const codesPage = await enrolled.response!.text();
    expect(codesPage).toContain('Save your recovery codes');
    recoveryCodes = [...codesPage.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1]!);
    expect(recoveryCodes.length).toBeGreaterThan(0);
    const done = await browser.postForm(back.url, { csrf: hiddenField(codesPage, 'csrf') }, APP_REDIRECT);
    expect(done.response).toBeNull();
    const tokens = await redeem(app.config, started, done.url);
    expect(tokens.claims()!.amr).toEqual(expect.arrayContaining(['otp', 'mfa']));
  });

  it('the next sign-in asks for the current code; a replayed code is refused', async () => {
    const browser = new CookieJarBrowser();
    const { started, back, html } = await stepOne(browser, app.config, 'tara');
    expect(html).toContain('6-digit code from your authenticator app');
    // A code from three steps ago is outside the ±1 window.
    const stale = await browser.postForm(back.url, { csrf: hiddenField(html, 'csrf'), code: await codeAt(secret, -90) }, APP_REDIRECT);
    expect(stale.response!.status).toBe(400);
    expect(await stale.response!.text()).toContain('not right');
    // The enrolment used the current step: the next step's code (within the ±1 window) is fresh.
    const code = await codeAt(secret, 30);
    const ok = await browser.postForm(back.url, { csrf: hiddenField(html, 'csrf'), code }, APP_REDIRECT);
    expect(ok.response).toBeNull();
    expect((await redeem(app.config, started, ok.url)).claims()!.amr).toContain('otp');

    const again = new CookieJarBrowser();
    const second = await stepOne(again, app.config, 'tara');
    const replay = await again.postForm(second.back.url, { csrf: hiddenField(second.html, 'csrf'), code }, APP_REDIRECT);
    expect(replay.response!.status).toBe(400);
    expect(await replay.response!.text()).toContain('already used');
  });

  it('a recovery code works once in place of the app', async () => {
    const browser = new CookieJarBrowser();
    const { started, back, html } = await stepOne(browser, app.config, 'tara');
    const switched = await browser.postForm(back.url, { csrf: hiddenField(html, 'csrf'), switch: 'RECOVERY_CODE' }, APP_REDIRECT);
    const page = await switched.response!.text();
    expect(page).toContain('Recovery code');
    const ok = await browser.postForm(back.url, { csrf: hiddenField(page, 'csrf'), code: recoveryCodes[0]! }, APP_REDIRECT);
    expect(ok.response).toBeNull();
    expect((await redeem(app.config, started, ok.url)).claims()!.amr).toContain('otp');
  });

  it('single sign-on from a session without a second step does not skip it', async () => {
    const plain = await discover(server, await registerApp(server, { identityProviders: [idpId] }));
    const browser = new CookieJarBrowser();
    const first = await stepOne(browser, plain, 'sam');
    expect(first.back.response).toBeNull();
    const started = await startLogin(app.config);
    const next = await browser.follow(started.authorizationUrl, {}, APP_REDIRECT);
    expect(next.response, 'not signed straight into the app').not.toBeNull();
    let url = next.url;
    let html = await next.response!.text();
    if (html.includes('name="password"')) {
      const posted = await browser.postForm(formAction(html, url), { login: 'sam', password: UPSTREAM_PASSWORD }, APP_REDIRECT);
      url = posted.url;
      html = posted.response ? await posted.response.text() : '';
    }
    expect(url).toMatch(/\/login\/[^/]+\/mfa$/);
    expect(html).toContain('Set up your authenticator app');
  });

  it('prompt=none from a session without the second step answers login_required, not a page', async () => {
    const plain = await discover(server, await registerApp(server, { identityProviders: [idpId] }));
    const browser = new CookieJarBrowser();
    expect((await stepOne(browser, plain, 'sam')).back.response).toBeNull();
    const silent = await startLogin(app.config, { prompt: 'none' });
    const answer = await browser.follow(silent.authorizationUrl, {}, APP_REDIRECT);
    expect(answer.response, 'no page for prompt=none').toBeNull();
    expect(new URL(answer.url).searchParams.get('error')).toBe('login_required');
  });

  it('a forged CSRF token is refused and signs nobody in', async () => {
    const browser = new CookieJarBrowser();
    const { back } = await stepOne(browser, app.config, 'tara');
    const forged = await browser.postForm(back.url, { csrf: 'forged', code: await codeAt(secret, 30) }, APP_REDIRECT);
    expect(forged.response!.status).toBe(400);
  });
});

describe('Email OTP', () => {
  it('mails a code to the user’s address (real SMTP server) and signs in with it', async () => {
    const app = await appWith(idpId, { options: [{ authenticator: 'EMAIL_OTP' }] });
    const browser = new CookieJarBrowser();
    const { started, back, html } = await stepOne(browser, app.config, 'emma');
    expect(html).toContain('We sent a 6-digit code to e•••@example.com');
    const mail = [...inbox].reverse().find((m) => m.to.includes('emma@example.com'))!;
    const code = /sign-in code is (\d{6})/.exec(mail.raw)![1]!;
    const wrong = await browser.postForm(
      back.url,
      { csrf: hiddenField(html, 'csrf'), code: code === '123456' ? '654321' : '123456' },
      APP_REDIRECT,
    );
    expect(wrong.response!.status).toBe(400);
    const ok = await browser.postForm(back.url, { csrf: hiddenField(html, 'csrf'), code }, APP_REDIRECT);
    expect(ok.response).toBeNull();
    expect((await redeem(app.config, started, ok.url)).claims()!.amr).toContain('otp');
  });
});

describe('a step offering TOTP or Email OTP', () => {
  it('a person without TOTP gets the ready Email OTP first, and may switch to enrolling TOTP and back', async () => {
    const app = await appWith(idpId, { options: [{ authenticator: 'TOTP' }, { authenticator: 'EMAIL_OTP' }] });
    const browser = new CookieJarBrowser();
    const { back, html } = await stepOne(browser, app.config, 'nora');
    expect(html).toContain('We sent a 6-digit code to n•••@example.com');
    expect(html).toContain('value="TOTP_ENROL"');
    const enrol = await browser.postForm(back.url, { csrf: hiddenField(html, 'csrf'), switch: 'TOTP_ENROL' }, APP_REDIRECT);
    const enrolPage = await enrol.response!.text();
    expect(enrolPage).toContain('Set up your authenticator app');
    expect(enrolPage).toContain('value="EMAIL_OTP"');
    const again = await browser.postForm(back.url, { csrf: hiddenField(enrolPage, 'csrf'), switch: 'EMAIL_OTP' }, APP_REDIRECT);
    expect(await again.response!.text()).toContain('We sent a 6-digit code');
  });
});

describe('two instances on one database', () => {
  it('a second instance finishes the second step begun on the first (the pending step is in the store)', async () => {
    const app = await appWith(idpId, { options: [{ authenticator: 'EMAIL_OTP' }] });
    const second = await startTestServer({
      database: server.database,
      config: { smtpUrl: server.ctx.config.smtpUrl, smtpFrom: server.ctx.config.smtpFrom, publicUrl: server.url },
    });
    try {
      const browser = new CookieJarBrowser();
      const { started, back, html } = await stepOne(browser, app.config, 'emma');
      expect(back.url).toMatch(/\/mfa$/);
      const mail = [...inbox].reverse().find((m) => m.to.includes('emma@example.com'))!;
      const code = /sign-in code is (\d{6})/.exec(mail.raw)![1]!;
      const onSecond = back.url.replace(server.url, second.url);
      const done = await browser.postForm(onSecond, { csrf: hiddenField(html, 'csrf'), code }, APP_REDIRECT);
      expect(done.response).toBeNull();
      expect((await redeem(app.config, started, done.url)).claims()!.amr).toContain('otp');
    } finally {
      await second.stop();
    }
  });
});

describe('conditions and refusals', () => {
  it('when: local_only skips the second step for a federated login', async () => {
    const app = await appWith(idpId, { options: [{ authenticator: 'TOTP' }], when: 'local_only' });
    const browser = new CookieJarBrowser();
    const { started, back } = await stepOne(browser, app.config, 'lou');
    expect(back.response).toBeNull();
    expect(back.url.startsWith(APP_REDIRECT)).toBe(true);
    expect((await redeem(app.config, started, back.url)).claims()!.amr ?? []).not.toContain('otp');
  });

  it('a JIT-disabled IdP before TOTP: a clear refusal page, access_denied to the app', async () => {
    noJitIdpId = (await registerUpstreamIdp(server, upstream, { name: 'No JIT Corp', jit: false })).id;
    const app = await appWith(noJitIdpId, { options: [{ authenticator: 'TOTP' }] });
    const browser = new CookieJarBrowser();
    const { back, html } = await stepOne(browser, app.config, 'nora');
    expect(back.response!.status).toBe(403);
    expect(html).toContain('needs a local account');
    const backUrl = /href="([^"]*)"/.exec(html.slice(html.indexOf('needs a local account')))![1]!.replace(/&amp;/g, '&');
    const toApp = await browser.follow(new URL(backUrl, back.url), {}, APP_REDIRECT);
    expect(new URL(toApp.url).searchParams.get('error')).toBe('access_denied');
  });
});
