// The provisioning prompt pages render as plain, accessible HTML: labelled inputs, the CSRF field, the
// app's name, errors on the page, values escaped.
import { describe, expect, it } from 'vitest';
import { type ConsentPurpose, AppError, SCIM_USER_SCHEMA } from '../../src/domain/index.js';
import { consentPage } from '../../src/login/pages/consent-page.js';
import { fieldErrorsOf, readPromptForm } from '../../src/login/pages/forms.js';
import { passwordPage } from '../../src/login/pages/password-page.js';
import { usernamePasswordPage } from '../../src/login/pages/username-password-page.js';
import { localSignInPage } from '../../src/login/pages/local-sign-in-page.js';
import { promptPage } from '../../src/login/pages/prompt-page.js';
import { buildConsentView } from '../../src/provisioning/consent.js';

const purpose: ConsentPurpose = {
  id: '11111111-1111-4111-8111-111111111111',
  purpose: 'Account recovery',
  description: 'To help you back in',
  piiCategories: [
    { claim: 'emails[type eq "work"].value', mandatory: true },
    { claim: 'phoneNumbers', mandatory: false },
  ],
};
const view = buildConsentView([purpose], {
  schemas: [SCIM_USER_SCHEMA],
  userName: 'alice',
  emails: [{ value: 'alice@example.com', type: 'work' }],
  phoneNumbers: [{ value: '+44 20 7946 0000', type: 'mobile' }],
});

/** Every visible input has a <label for> naming its id. */
function expectLabelledInputs(html: string) {
  const inputs = [...html.matchAll(/<input([^>]*)>/g)].map((m) => m[1]!).filter((attrs) => !/type="hidden"/.test(attrs));
  expect(inputs.length).toBeGreaterThan(0);
  for (const attrs of inputs) {
    const id = /\bid="([^"]+)"/.exec(attrs)?.[1];
    expect(id, attrs).toBeTruthy();
    expect(html).toContain(`for="${id}"`);
  }
}

const common = { appName: 'Expense <Reports>', action: '/login/abc/provision', csrfToken: 'csrf-token-value' };

describe('provisioning pages', () => {
  it('consent page: purposes, values, required marks, checkboxes, CSRF, approve and decline', async () => {
    const html = await consentPage({ ...common, idpName: 'Contoso', view });
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<input type="hidden" name="csrf" value="csrf-token-value"');
    expect(html).toContain('Expense &lt;Reports&gt;');
    expect(html).not.toContain('<Reports>');
    expect(html).toContain('<legend>Account recovery</legend>');
    expect(html).toContain('alice@example.com');
    expect(html).toContain('(required)');
    expect(html).toContain(`value="${purpose.id}|emails[type eq &quot;work&quot;].value" checked`);
    expect(html).toMatch(/name="consent" value="11111111-1111-4111-8111-111111111111\|phoneNumbers"\s*\/?>/);
    expect(html).toContain('name="decision" value="approve"');
    expect(html).toContain('name="decision" value="deny"');
    expect(html).toContain('href="/login/assets/login.css"');
    expect(html).not.toContain('<script');
    expectLabelledInputs(html);
  });

  it('consent page shows an error on the page and keeps the ticks', async () => {
    const html = await consentPage({
      ...common,
      view,
      checked: new Set([`${purpose.id}|phoneNumbers`]),
      error: 'Consent to Email (work) is required.',
    });
    expect(html).toContain('role="alert"');
    expect(html).toContain('Consent to Email (work) is required.');
    expect(html).toMatch(/\|phoneNumbers" checked/);
    expect(html).not.toMatch(/emails\[type eq &quot;work&quot;\]\.value" checked/);
  });

  it('password page: read-only username, labelled new-password fields, consent in the same form, field errors', async () => {
    const html = await passwordPage({
      ...common,
      username: 'EMPLOYEES/alice',
      consent: { view },
      fieldErrors: { password: ['Use at least 10 characters.'] },
      error: 'Choose another password.',
    });
    expect(html).toContain('<label for="password">New password</label>');
    expect(html).toContain('<label for="confirmation">Repeat the password</label>');
    expect(html).toMatch(/id="username"[^>]*value="EMPLOYEES\/alice"[^>]*readonly/);
    expect(html).toMatch(/id="password"[^>]*autocomplete="new-password"/);
    expect(html).toMatch(/id="password"[^>]*aria-invalid="true"[^>]*aria-describedby="password-hint password-error"/);
    expect(html).toContain('Use at least 10 characters.');
    expect(html).toContain('name="csrf" value="csrf-token-value"');
    expect(html).toContain('<legend>Account recovery</legend>');
    expect(html).toMatch(/value="deny" class="secondary" formnovalidate/);
    expectLabelledInputs(html);
  });

  it('username + password page: pre-filled username, store hint, username errors, never echoes a password', async () => {
    const html = await usernamePasswordPage({
      ...common,
      username: 'alice"><script>',
      domainInUsername: true,
      fieldErrors: { username: ['That username is taken.'] },
    });
    expect(html).toMatch(/id="username"[^>]*value="alice&quot;&gt;&lt;script&gt;"/);
    expect(html).not.toContain('<script>');
    expect(html).toContain('STORE/name');
    expect(html).toContain('That username is taken.');
    expect(html).not.toMatch(/type="password"[^>]*value=/);
    expectLabelledInputs(html);
  });
});

describe('the page for a prompt screen', () => {
  const screen = {
    ask: { username: false, password: false, consent: true },
    page: { kind: 'builtin' as const },
    username: 'alice',
    usernameProblem: null,
    consent: view,
  };
  it('renders consent alone, password + consent, or username + password + consent, with the problems on the fields', async () => {
    expect(await promptPage(screen, common)).toContain('Allow and continue');
    const password = await promptPage(
      { ...screen, ask: { username: false, password: true, consent: true } },
      { ...common, problems: [{ field: 'password', message: 'Too short.' }] },
    );
    expect(password).toContain('<label for="password">New password</label>');
    expect(password).toContain('Too short.');
    expect(password).toContain('<legend>Account recovery</legend>');
    const withUsername = await promptPage(
      {
        ...screen,
        ask: { username: true, password: true, consent: true },
        usernameProblem: { field: 'username', message: 'That username is taken. Choose another.' },
      },
      common,
    );
    expect(withUsername).toMatch(/id="username"[^>]*value="alice"/);
    expect(withUsername).toContain('That username is taken. Choose another.');
    expectLabelledInputs(withUsername);
  });
});

describe('LOCAL sign-in page', () => {
  it('has labelled username and current-password fields, the CSRF field, and shows the error', async () => {
    const html = await localSignInPage({ ...common, username: 'EMPLOYEES/alice', error: 'The username or password is not correct.' });
    expect(html).toContain('<label for="username">Username</label>');
    expect(html).toContain('<label for="password">Password</label>');
    expect(html).toMatch(/id="password"[^>]*autocomplete="current-password"/);
    expect(html).toMatch(/id="username"[^>]*value="EMPLOYEES\/alice"/);
    expect(html).toContain('name="csrf" value="csrf-token-value"');
    expect(html).toContain('role="alert"');
    expect(html).toContain('The username or password is not correct.');
    expectLabelledInputs(html);
  });
});

describe('reading the prompt forms', () => {
  it('reads every field, bounds lengths, and collects ticked boxes', () => {
    const answers = readPromptForm({
      csrf: 't',
      username: '  bob ',
      password: ' p w ',
      confirmation: 'x'.repeat(5000),
      consent: ['a|b', 'c|d'],
      decision: 'approve',
    });
    expect(answers).toMatchObject({ csrf: 't', username: 'bob', password: ' p w ', consent: { decision: 'approve' } });
    expect(answers.confirmation).toHaveLength(2048);
    expect([...answers.consent.accepted]).toEqual(['a|b', 'c|d']);
    expect(readPromptForm({}).consent.decision).toBe('deny');
  });

  it('turns field problems into per-field messages', () => {
    const error = new AppError('invalid_input', 'weak_password', 'x', [
      { field: 'password', message: 'Too short.' },
      { field: 'password', message: 'Too common.' },
      { field: 'userName', message: 'Taken.' },
    ]);
    expect(fieldErrorsOf(error)).toEqual({ password: ['Too short.', 'Too common.'], username: ['Taken.'] });
    expect(fieldErrorsOf(new Error('x'))).toEqual({});
  });
});
