// Each JIT option with one line in WSO2 Identity Server's own words (its console's "Just-in-Time Provisioning"
// section), and the combinations that are allowed but will not do what one expects, found before saving.
import type { Schemas } from '../api/client';

export const JIT_HELP = {
  isEnabled:
    'WSO2: "Just-in-Time (JIT) User Provisioning" enabled — a first sign-in through this IdP creates a local user; off, only users already linked (or associated) can sign in.',
  scheme:
    'WSO2: "Provision silently", "Prompt for consent", "Prompt for password and consent", or "Prompt for username, password and consent" — what the person is asked before the user is created.',
  userstore:
    'WSO2: "Provisioning user store domain" — where new users are created; AS_IN_USERNAME takes the domain from the username\'s prefix (EMPLOYEES/alice).',
  allowedUserStores: 'With AS_IN_USERNAME: the user store domains a username may name; a login naming another is refused.',
  associateLocalUser:
    'WSO2: "Associate local user" — a new identity is linked to the existing local user with the same verified email instead of creating one.',
  associateByUsername:
    'Links to the local user with the same username (WSO2 associates by the JIT username): only for an IdP trusted to assert local usernames.',
  attributeSyncMethod:
    'WSO2: "Attribute sync method" — Override all (IdP values replace local ones at each login), Preserve local (keep locally added claims), None (never update after creation); empty follows the server setting "Preserve locally added claims of JIT provisioned users".',
  mode: "Blocking: the login waits until the user is written. Non-blocking: the login goes on and the user is written in the background (WSO2's asynchronous JIT provisioning); a login that prompts is always blocking.",
  trustEmail: 'Treat emails from this IdP as verified even without email_verified (needed for association by email).',
  inactiveAfterDays: 'Lock JIT users of this IdP who have not signed in for this many days (empty: never).',
  claimMappings:
    'WSO2: "Claim mappings" — one per line, remote claim = SCIM path (userName, name.givenName, emails[type eq "work"].value).',
  roleMappings: 'WSO2: "Role mappings" — one per line, remote role or group = local group name.',
} as const;

export const SCHEMES: Array<{ value: Schemas['JitPolicy']['scheme'] & string; label: string }> = [
  { value: 'PROVISION_SILENTLY', label: 'Provision silently' },
  { value: 'PROMPT_CONSENT', label: 'Prompt for consent' },
  { value: 'PROMPT_PASSWORD_CONSENT', label: 'Prompt for password and consent' },
  { value: 'PROMPT_USERNAME_PASSWORD_CONSENT', label: 'Prompt for username, password and consent' },
];

export interface JitForm {
  isEnabled: boolean;
  scheme: (typeof SCHEMES)[number]['value'];
  userstore: string;
  allowedUserStores: string;
  associateLocalUser: boolean;
  associateByUsername: boolean;
  attributeSyncMethod: '' | 'OVERRIDE_ALL' | 'PRESERVE_LOCAL' | 'NONE';
  mode: 'blocking' | 'non-blocking';
}

/** Allowed but surprising combinations, said before saving. `flowApps`: apps whose later steps ask for MFA after this IdP. */
export function jitWarnings(jit: JitForm, trustEmail: boolean, flowApps: string[]): string[] {
  const warnings: string[] = [];
  if (!jit.isEnabled && flowApps.length > 0)
    warnings.push(
      `JIT provisioning is off, but ${flowApps.join(', ')} ask${flowApps.length === 1 ? 's' : ''} for a second factor after this IdP: ` +
        'MFA needs a local account, so people who sign in here cannot finish signing in.',
    );
  if (!jit.isEnabled && jit.scheme !== 'PROVISION_SILENTLY')
    warnings.push('The provisioning scheme has no effect while JIT provisioning is off.');
  if (jit.scheme !== 'PROVISION_SILENTLY' && jit.mode === 'non-blocking')
    warnings.push(
      'A login that prompts is always blocking: with a prompting scheme, non-blocking mode applies only to logins that need no prompt.',
    );
  if (jit.associateByUsername)
    warnings.push(
      'Association by username is on: anyone who can choose their username at this IdP can take over the local account of that name.',
    );
  if (jit.associateLocalUser && !trustEmail)
    warnings.push('Association by email needs a verified email: the IdP must send email_verified=true, or turn on "Trust email".');
  if (jit.userstore !== 'AS_IN_USERNAME' && jit.allowedUserStores.trim() && jit.allowedUserStores.trim() !== 'PRIMARY')
    warnings.push('Allowed user stores apply only with the AS_IN_USERNAME user store.');
  return warnings;
}

type App = Schemas['Application'];
/** Names of apps that sign in through this IdP at step 1 and ask for a second factor later (not only for LOCAL). */
export function appsNeedingLocalAccount(apps: App[], idpId: string | undefined): string[] {
  if (!idpId) return [];
  return apps
    .filter((app) => {
      const [first, ...later] = app.signInFlow.steps;
      const usesIdp = first?.options.some((o) => 'idp' in o && o.idp === idpId) || app.identityProviders.includes(idpId);
      const mfa = later.some(
        (step) => (step.when ?? 'always') !== 'local_only' && step.options.some((o) => 'authenticator' in o && o.authenticator !== 'LOCAL'),
      );
      return usesIdp && mfa;
    })
    .map((app) => app.name);
}
