// Which provisioning prompts a login shows (the IdP's JIT `scheme`, reference docs "provisioning options"),
// and where the username / password are asked: the built-in page, or the external page configured in
// settings (`usernameProvisioningUrl` for the username + password + consent scheme, `passwordProvisioningUrl`
// for password + consent). Unlike the reference product, consent is always asked on the built-in page
// (after the external page, in one more step): the context token travels in a URL, and the attribute
// values a consent page shows must not.
//
// Prompts exist to make a new account. When the plan links an existing local user (association), the
// person may consent to the attributes flowing in, but is never asked to set that account's password
// or choose its username: doing so would hand the existing account to whoever signed in upstream.
import type { FieldProblem, IdentityProvider, JitScheme, JitSettings } from '../domain/index.js';
import type { PlanDecision } from './types.js';

export interface Prompts {
  username: boolean;
  password: boolean;
  consent: boolean;
}

const NONE: Prompts = { username: false, password: false, consent: false };

const BY_SCHEME: Record<JitScheme, Prompts> = {
  PROVISION_SILENTLY: NONE,
  PROMPT_CONSENT: { username: false, password: false, consent: true },
  PROMPT_PASSWORD_CONSENT: { username: false, password: true, consent: true },
  PROMPT_USERNAME_PASSWORD_CONSENT: { username: true, password: true, consent: true },
};

/**
 * The IdP as the prompts see it: with the enhanced feature on, usernames are generated, so the username +
 * password + consent scheme asks for the password and consent only (a typed name would be ignored).
 */
export function withEffectiveScheme<T extends Pick<IdentityProvider, 'jit'>>(idp: T, settings: { enhancedFeature?: boolean }): T {
  if (!settings.enhancedFeature || idp.jit.scheme !== 'PROMPT_USERNAME_PASSWORD_CONSENT') return idp;
  return { ...idp, jit: { ...idp.jit, scheme: 'PROMPT_PASSWORD_CONSENT' } };
}

/** The prompts for a plan's decision under a scheme (none for returning users, refusals and passthrough). */
export function promptsFor(scheme: JitScheme, decision: PlanDecision): Prompts {
  const prompts = BY_SCHEME[scheme] ?? NONE;
  if (decision === 'create') return prompts;
  if (decision === 'associate_username' || decision === 'associate_email')
    return { username: false, password: false, consent: prompts.consent };
  return NONE;
}

export type PromptPage = { kind: 'builtin' } | { kind: 'external'; url: string; step: 'username' | 'password' };

/** Where the username / password are asked: an external page when the matching settings URL is set. */
export function promptPageFor(
  prompts: Prompts,
  settings: Pick<JitSettings, 'usernameProvisioningUrl' | 'passwordProvisioningUrl'>,
): PromptPage {
  if (prompts.username && settings.usernameProvisioningUrl)
    return { kind: 'external', url: settings.usernameProvisioningUrl, step: 'username' };
  if (!prompts.username && prompts.password && settings.passwordProvisioningUrl) {
    return { kind: 'external', url: settings.passwordProvisioningUrl, step: 'password' };
  }
  return { kind: 'builtin' };
}

/** Why a typed username cannot be used: a stable code, and a message for the page. */
export interface UsernameProblem extends FieldProblem {
  code: string;
}

/**
 * A username the person typed may only make a new account. If the plan made with it would link an
 * existing user (association by the same username), the answer is "taken", as on any sign-up form.
 */
export function typedUsernameProblem(decision: PlanDecision, refusalCode: string | null): UsernameProblem | null {
  if (decision === 'associate_username' || refusalCode === 'username_taken')
    return { code: 'username_taken', field: 'username', message: 'That username is taken. Choose another.' };
  if (refusalCode === 'username_policy')
    return { code: 'username_policy', field: 'username', message: 'That username is not allowed here. Check the characters and length.' };
  if (refusalCode === 'user_store_not_found')
    return { code: 'user_store_not_found', field: 'username', message: 'That user store does not exist.' };
  if (refusalCode === 'user_store_not_allowed')
    return { code: 'user_store_not_allowed', field: 'username', message: 'Accounts cannot be made in that user store from here.' };
  return null;
}
