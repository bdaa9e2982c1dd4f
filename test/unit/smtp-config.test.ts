// SMTP_URL and SMTP_FROM (Email OTP): optional together, checked with the same messages as the rest.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

describe('SMTP configuration', () => {
  it('is unset by default (Email OTP unavailable)', () => {
    expect(loadConfig({})).toMatchObject({ smtpUrl: undefined, smtpFrom: undefined });
  });

  it('takes an smtp(s) URL and a sender', () => {
    const config = loadConfig({ SMTP_URL: 'smtps://u:p@mail.example.com:465', SMTP_FROM: 'jitbridge <no-reply@example.com>' });
    expect(config).toMatchObject({ smtpUrl: 'smtps://u:p@mail.example.com:465', smtpFrom: 'jitbridge <no-reply@example.com>' });
  });

  it('names a wrong URL without echoing it (it may hold a password), and a wrong sender', () => {
    expect(() => loadConfig({ SMTP_URL: 'http://u:secret@x', SMTP_FROM: 'a@b.c' })).toThrow(
      new ConfigError(
        'SMTP_URL must be an smtp:// or smtps:// URL, such as smtps://user:password@mail.example.com:465, got a value that does not fit',
      ),
    );
    expect(() => loadConfig({ SMTP_URL: 'smtp://x', SMTP_FROM: 'nobody' })).toThrow(`SMTP_FROM must be a sender address`);
  });

  it('needs SMTP_FROM with SMTP_URL', () => {
    expect(() => loadConfig({ SMTP_URL: 'smtp://mail.example.com' })).toThrow('SMTP_FROM must be a sender address, such as');
  });
});
