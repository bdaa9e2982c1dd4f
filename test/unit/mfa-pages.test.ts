// The MFA pages render as plain HTML forms: QR image as a data: URL, the secret for typing, CSRF field,
// one-time-code inputs, recovery codes; no script, values escaped.
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { mfaCodePage, recoveryCodesPage, totpEnrolPage } from '../../src/login/index.js';

describe('MFA pages', () => {
  it('render the enrolment page with the QR code, the grouped secret and the code form', async () => {
    const qrCodeDataUrl = await QRCode.toDataURL('otpauth://totp/x:y?secret=JBSWY3DPEHPK3PXP');
    const html = await totpEnrolPage({
      appName: 'Pay<roll>',
      action: '/login/abc/mfa/enrol',
      csrfToken: 'tok',
      qrCodeDataUrl,
      secret: 'JBSWY3DPEHPK3PXP',
      error: 'Wrong code',
    });
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain(`src="${qrCodeDataUrl}"`);
    expect(html).toContain('JBSW Y3DP EHPK 3PXP');
    expect(html).toContain('name="csrf" value="tok"');
    expect(html).toContain('autocomplete="one-time-code"');
    expect(html).toContain('Pay&lt;roll&gt;');
    expect(html).toContain('role="alert"');
    expect(html).not.toContain('<script');
  });

  it('render the recovery codes once, and the code page per factor with alternatives', async () => {
    const codes = await recoveryCodesPage({ action: '/next', csrfToken: 't', codes: ['abcde-fghjk', 'mnpqr-stuvw'] });
    expect(codes).toContain('<code>abcde-fghjk</code>');
    const email = await mfaCodePage({
      appName: 'App',
      action: '/a',
      csrfToken: 't',
      factor: 'EMAIL_OTP',
      sentTo: 'a•••@example.com',
      alternatives: ['TOTP', 'RECOVERY_CODE'],
    });
    expect(email).toContain('We sent a 6-digit code to a•••@example.com');
    expect(email).toContain('name="switch" value="RECOVERY_CODE"');
    const recovery = await mfaCodePage({ appName: 'App', action: '/a', csrfToken: 't', factor: 'RECOVERY_CODE' });
    expect(recovery).toContain('Recovery code');
    expect(recovery).not.toContain('one-time-code');
  });
});
