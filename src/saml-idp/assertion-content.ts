// What an assertion says about the person: the NameID (per the SP's format and source) and the attribute
// statement (SCIM attribute paths or a few expressions, multi-valued where the data is), and the
// AuthnContextClassRef that tells the SP how the person signed in.
import { createHmac } from 'node:crypto';
import {
  parseAttributePath,
  readAttributeValues,
  type ScimUserResource,
  ATTRIBUTE_NAME_FORMATS,
  NAME_ID_FORMATS,
  type SamlAppSettings,
} from '../domain/index.js';
import type { RequestedAuthnContext } from './authn-request.js';
import { newSamlId } from './samlify-idp.js';

/** How the login went, as the SAML IdP needs to know it (filled by the login; see SamlSignInResult). */
export interface SignedInPerson {
  /** The OIDC `sub` of this login: the user's SCIM id, or for a JIT-disabled login the pairwise id of (IdP, subject). */
  accountId: string;
  /** The SCIM representation: the stored user, or for a JIT-disabled login the mapped claims (stored nowhere). */
  user: ScimUserResource;
  /** Display names of the user's groups. */
  groups: string[];
}

export const AUTHN_CONTEXT = {
  passwordProtectedTransport: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
  /** REFEDS MFA profile: the class SPs in research and enterprise federations ask for and understand. */
  refedsMfa: 'https://refeds.org/profile/mfa',
  mobileTwoFactor: 'urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract',
  unspecified: 'urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified',
} as const;
const MFA_CLASSES: string[] = [AUTHN_CONTEXT.refedsMfa, AUTHN_CONTEXT.mobileTwoFactor, 'http://schemas.microsoft.com/claims/multipleauthn'];

/**
 * The class to state, or null when the SP's RequestedAuthnContext cannot be met (→ NoAuthnContext). An MFA login
 * states REFEDS MFA (or the MFA class the SP asked for); a login without a second factor states
 * PasswordProtectedTransport, and cannot meet a request for an MFA class only.
 */
export function authnContextClass(mfa: boolean, requested: RequestedAuthnContext | null): string | null {
  const ours = mfa ? AUTHN_CONTEXT.refedsMfa : AUTHN_CONTEXT.passwordProtectedTransport;
  if (!requested) return ours;
  const wanted = requested.classRefs;
  if (mfa) {
    const mfaClass = wanted.find((c) => MFA_CLASSES.includes(c));
    if (mfaClass) return mfaClass;
    // Minimum/better: an MFA login is stronger than any password class asked for.
    if (requested.comparison === 'minimum' || requested.comparison === 'better') return ours;
  }
  if (wanted.includes(AUTHN_CONTEXT.passwordProtectedTransport) || wanted.includes(AUTHN_CONTEXT.unspecified)) {
    return AUTHN_CONTEXT.passwordProtectedTransport;
  }
  if (requested.comparison === 'maximum' && !mfa) return ours;
  return null;
}

/** A stable id per (SP, account), so two SPs cannot correlate the same person and the account id is not shown. */
export function pairwiseNameId(key: Buffer, spEntityId: string, accountId: string): string {
  return createHmac('sha256', key)
    .update('saml-persistent')
    .update('\0')
    .update(spEntityId)
    .update('\0')
    .update(accountId)
    .digest('base64url');
}

const primaryEmail = (user: ScimUserResource): string | undefined => {
  const emails = (user.emails ?? []) as { value?: string; primary?: boolean }[];
  return (emails.find((e) => e.primary) ?? emails[0])?.value;
};

/** The values an expression or SCIM path yields for this person. */
export function valuesOf(source: string, person: SignedInPerson): string[] {
  switch (source) {
    case '$sub':
      return [person.accountId];
    case '$groups':
      return person.groups;
    case '$roles':
      return ((person.user.roles ?? []) as { value?: string }[]).map((r) => r.value).filter((v): v is string => typeof v === 'string');
    case '$emails':
      return ((person.user.emails ?? []) as { value?: string }[]).map((e) => e.value).filter((v): v is string => typeof v === 'string');
    case '$primaryEmail': {
      const email = primaryEmail(person.user);
      return email ? [email] : [];
    }
  }
  const parsed = parseAttributePath(source);
  return parsed.ok ? readAttributeValues(person.user, parsed.path) : [];
}

export interface NameIdValue {
  value: string;
  format: string;
}

/** The NameID; null when the configured source has no value for this person (→ InvalidNameIDPolicy). */
export function nameIdFor(settings: SamlAppSettings, person: SignedInPerson, pairwiseKey: Buffer): NameIdValue | null {
  const format = NAME_ID_FORMATS[settings.nameId.format];
  const source = settings.nameId.source;
  if (settings.nameId.format === 'transient' || source === '$transient') return { value: newSamlId(), format };
  if (source === '$pairwise') return { value: pairwiseNameId(pairwiseKey, settings.entityId, person.accountId), format };
  const value = valuesOf(source, person)[0];
  return value ? { value, format } : null;
}

export interface AttributeOut {
  name: string;
  nameFormat: string;
  friendlyName: string | null;
  values: string[];
}

/** The attribute statement's attributes; an attribute with no value is left out. */
export function attributesFor(settings: SamlAppSettings, person: SignedInPerson): AttributeOut[] {
  return settings.attributes
    .map((rule) => ({
      name: rule.name,
      nameFormat: ATTRIBUTE_NAME_FORMATS[rule.nameFormat],
      friendlyName: rule.friendlyName,
      values: [...new Set(valuesOf(rule.value, person))],
    }))
    .filter((a) => a.values.length > 0);
}
