// Which prompts a login shows and where: by scheme and plan decision, built-in or external page.
import { describe, expect, it } from 'vitest';
import { promptPageFor, promptsFor, typedUsernameProblem } from '../../src/provisioning/prompts.js';

const noUrls = { usernameProvisioningUrl: null, passwordProvisioningUrl: null };

describe('provisioning prompts', () => {
  it('asks nothing when provisioning silently, or for returning users, refusals and passthrough', () => {
    expect(promptsFor('PROVISION_SILENTLY', 'create')).toEqual({ username: false, password: false, consent: false });
    for (const decision of ['link_found', 'refuse', 'passthrough'] as const) {
      expect(promptsFor('PROMPT_USERNAME_PASSWORD_CONSENT', decision)).toEqual({ username: false, password: false, consent: false });
    }
  });

  it('asks more with each scheme for a new account', () => {
    expect(promptsFor('PROMPT_CONSENT', 'create')).toEqual({ username: false, password: false, consent: true });
    expect(promptsFor('PROMPT_PASSWORD_CONSENT', 'create')).toEqual({ username: false, password: true, consent: true });
    expect(promptsFor('PROMPT_USERNAME_PASSWORD_CONSENT', 'create')).toEqual({ username: true, password: true, consent: true });
  });

  it('never asks for the password or username of an existing account being linked', () => {
    for (const decision of ['associate_username', 'associate_email'] as const) {
      expect(promptsFor('PROMPT_USERNAME_PASSWORD_CONSENT', decision)).toEqual({ username: false, password: false, consent: true });
      expect(promptsFor('PROVISION_SILENTLY', decision)).toEqual({ username: false, password: false, consent: false });
    }
  });

  it('sends the username scheme to usernameProvisioningUrl and password + consent to passwordProvisioningUrl', () => {
    const urls = { usernameProvisioningUrl: 'https://pages.example/username', passwordProvisioningUrl: 'https://pages.example/password' };
    expect(promptPageFor(promptsFor('PROMPT_USERNAME_PASSWORD_CONSENT', 'create'), urls)).toEqual({
      kind: 'external',
      url: urls.usernameProvisioningUrl,
      step: 'username',
    });
    expect(promptPageFor(promptsFor('PROMPT_PASSWORD_CONSENT', 'create'), urls)).toEqual({
      kind: 'external',
      url: urls.passwordProvisioningUrl,
      step: 'password',
    });
    // Consent stays on the built-in page: attribute values must not travel in a URL.
    expect(promptPageFor(promptsFor('PROMPT_CONSENT', 'create'), urls)).toEqual({ kind: 'builtin' });
    expect(promptPageFor(promptsFor('PROMPT_USERNAME_PASSWORD_CONSENT', 'create'), noUrls)).toEqual({ kind: 'builtin' });
    expect(
      promptPageFor(promptsFor('PROMPT_USERNAME_PASSWORD_CONSENT', 'create'), {
        ...noUrls,
        passwordProvisioningUrl: urls.passwordProvisioningUrl,
      }),
    ).toEqual({ kind: 'builtin' });
  });

  it('treats a typed username that would link an existing user as taken', () => {
    expect(typedUsernameProblem('associate_username', null)).toEqual({
      code: 'username_taken',
      field: 'username',
      message: 'That username is taken. Choose another.',
    });
    expect(typedUsernameProblem('refuse', 'username_taken')?.field).toBe('username');
    expect(typedUsernameProblem('refuse', 'username_policy')?.message).toContain('not allowed');
    expect(typedUsernameProblem('create', null)).toBeNull();
  });
});
