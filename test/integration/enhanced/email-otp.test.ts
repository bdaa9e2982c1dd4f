// Email OTP against a real SMTP server on loopback (the smtp-server package): the code is read from the
// delivered mail. Expiry, attempt limit, single use and "only the newest code works", with an injected clock.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueEmailOtp, verifyEmailOtp, createMailer, emailOtpAvailable, type Mailer } from '../../../src/accounts/index.js';
import { openFixture, type Fixture } from './fixture.js';

interface Received {
  from: string;
  to: string[];
  raw: string;
}

let f: Fixture;
let smtp: SMTPServer;
let mailer: Mailer;
const inbox: Received[] = [];

beforeAll(async () => {
  f = await openFixture('email_otp');
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        inbox.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const { port } = smtp.server.address() as AddressInfo;
  mailer = createMailer({ smtpUrl: `smtp://127.0.0.1:${port}`, smtpFrom: 'jitbridge <no-reply@jitbridge.test>' })!;
});
afterAll(async () => {
  mailer?.close();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  await f?.close();
});

const T0 = new Date(Date.UTC(2026, 10, 25, 12, 0, 0));
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

/** The code in the last mail sent to this address. */
function lastCodeFor(address: string): string {
  const mail = [...inbox].reverse().find((m) => m.to.includes(address));
  expect(mail, `a mail to ${address}`).toBeDefined();
  const match = /sign-in code is (\d{6})/.exec(mail!.raw);
  expect(match, 'the code in the mail body').not.toBeNull();
  return match![1]!;
}

describe('Email OTP', () => {
  it('is unavailable without SMTP_URL', async () => {
    expect(createMailer({})).toBeNull();
    expect(emailOtpAvailable({})).toBe(false);
    expect(emailOtpAvailable({ smtpUrl: 'smtp://x', smtpFrom: 'a@b.c' })).toBe(true);
    const userId = await f.user('nomail-user');
    await expect(issueEmailOtp({ store: f.store, mailer: null }, userId)).rejects.toMatchObject({
      code: 'email_otp_unavailable',
      status: 503,
    });
  });

  it('mails a 6-digit code from SMTP_FROM to the primary email, which works once', async () => {
    const userId = await f.user('otp-alice', { email: 'Alice@Example.com' });
    const issued = await issueEmailOtp({ store: f.store, mailer }, userId, { now: T0, appName: 'Payroll' });
    expect(issued.sentTo).toBe('a•••@example.com');
    expect(issued.expiresAt).toEqual(at(300));
    const mail = inbox.at(-1)!;
    expect(mail.from).toBe('no-reply@jitbridge.test');
    expect(mail.to).toEqual(['alice@example.com']);
    expect(mail.raw).toContain('Payroll');
    const code = lastCodeFor('alice@example.com');

    const { rows } = await import('../../../src/store/database.js');
    const { sql } = await import('drizzle-orm');
    const stored = await rows<{ code_hash: string }>(
      f.store.db,
      sql`select code_hash from mfa_email_otps where id = ${issued.challengeId}`,
    );
    expect(stored[0]!.code_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored[0]!.code_hash).not.toContain(code);

    expect(await verifyEmailOtp(f.store, { challengeId: issued.challengeId, userId, code }, { now: at(60) })).toEqual({ ok: true });
    expect(await verifyEmailOtp(f.store, { challengeId: issued.challengeId, userId, code }, { now: at(61) })).toEqual({
      ok: false,
      reason: 'used',
    });
  });

  it('refuses the right code after expiry, and accepts it just before', async () => {
    const userId = await f.user('otp-bob');
    const first = await issueEmailOtp({ store: f.store, mailer }, userId, { now: T0 });
    const code = lastCodeFor('otp-bob@example.com');
    expect(await verifyEmailOtp(f.store, { challengeId: first.challengeId, userId, code }, { now: at(300) })).toEqual({
      ok: false,
      reason: 'expired',
    });
    const second = await issueEmailOtp({ store: f.store, mailer }, userId, { now: at(400) });
    const code2 = lastCodeFor('otp-bob@example.com');
    expect(await verifyEmailOtp(f.store, { challengeId: second.challengeId, userId, code: code2 }, { now: at(699) })).toEqual({ ok: true });
  });

  it('locks a challenge after five wrong codes, even for the right one', async () => {
    const userId = await f.user('otp-carol');
    const issued = await issueEmailOtp({ store: f.store, mailer }, userId, { now: T0 });
    const code = lastCodeFor('otp-carol@example.com');
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i += 1) {
      expect(await verifyEmailOtp(f.store, { challengeId: issued.challengeId, userId, code: wrong }, { now: at(10) })).toEqual({
        ok: false,
        reason: 'invalid_code',
      });
    }
    expect(await verifyEmailOtp(f.store, { challengeId: issued.challengeId, userId, code }, { now: at(11) })).toEqual({
      ok: false,
      reason: 'too_many_attempts',
    });
  });

  it('keeps only the newest challenge open, and a challenge belongs to its user', async () => {
    const userId = await f.user('otp-dave');
    const older = await issueEmailOtp({ store: f.store, mailer }, userId, { now: T0 });
    const olderCode = lastCodeFor('otp-dave@example.com');
    const newer = await issueEmailOtp({ store: f.store, mailer }, userId, { now: at(5) });
    const newerCode = lastCodeFor('otp-dave@example.com');
    expect(await verifyEmailOtp(f.store, { challengeId: older.challengeId, userId, code: olderCode }, { now: at(6) })).toEqual({
      ok: false,
      reason: 'used',
    });
    const mallory = await f.user('otp-mallory');
    expect(await verifyEmailOtp(f.store, { challengeId: newer.challengeId, userId: mallory, code: newerCode }, { now: at(6) })).toEqual({
      ok: false,
      reason: 'not_found',
    });
    expect(await verifyEmailOtp(f.store, { challengeId: 'not-a-uuid', userId, code: newerCode }, { now: at(6) })).toEqual({
      ok: false,
      reason: 'not_found',
    });
    expect(await verifyEmailOtp(f.store, { challengeId: newer.challengeId, userId, code: newerCode }, { now: at(7) })).toEqual({
      ok: true,
    });
  });

  it('sends at most five codes per user in 15 minutes', async () => {
    const userId = await f.user('otp-erin');
    for (let i = 0; i < 5; i += 1) await issueEmailOtp({ store: f.store, mailer }, userId, { now: at(i * 60) });
    const sent = inbox.filter((m) => m.to.includes('otp-erin@example.com')).length;
    await expect(issueEmailOtp({ store: f.store, mailer }, userId, { now: at(5 * 60) })).rejects.toMatchObject({
      code: 'email_otp_rate_limited',
      status: 403,
    });
    expect(inbox.filter((m) => m.to.includes('otp-erin@example.com')).length).toBe(sent);
    // 15 minutes after the first one, there is room again.
    await issueEmailOtp({ store: f.store, mailer }, userId, { now: at(901) });
  });
});
