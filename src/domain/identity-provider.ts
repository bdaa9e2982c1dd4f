// Identity providers and their JIT policy, as WSO2's IdP API shapes them (provisioning.jit).
// These are the types every layer agrees on; the admin API validates them with zod at its edge.

export const JIT_SCHEMES = ['PROVISION_SILENTLY', 'PROMPT_CONSENT', 'PROMPT_PASSWORD_CONSENT', 'PROMPT_USERNAME_PASSWORD_CONSENT'] as const;
export type JitScheme = (typeof JIT_SCHEMES)[number];

export const ATTRIBUTE_SYNC_METHODS = ['OVERRIDE_ALL', 'PRESERVE_LOCAL', 'NONE'] as const;
export type AttributeSyncMethod = (typeof ATTRIBUTE_SYNC_METHODS)[number];

/** `userstore` is a domain name, or this value: take the domain from the username's prefix (PRIMARY if none/unknown). */
export const AS_IN_USERNAME = 'AS_IN_USERNAME';

export interface JitPolicy {
  isEnabled: boolean;
  scheme: JitScheme;
  /** A user store domain, or AS_IN_USERNAME. */
  userstore: string;
  /**
   * Under AS_IN_USERNAME, the user stores this IdP's usernames may pick (PRIMARY is where a name without a known
   * prefix goes); a login naming another store is refused. Unused with a fixed `userstore`.
   */
  allowedUserStores: string[];
  /** Link a new identity to an existing local user with the same verified email (WSO2's field). */
  associateLocalUser: boolean;
  /**
   * Link a new identity to the existing local user with the same username: this IdP is trusted to assert local
   * usernames. Off by default: OIDC's preferred_username is neither unique nor verified, so this is an admin's decision.
   */
  associateByUsername: boolean;
  /** null → decided by settings.jit.preserveLocallyAddedClaims (false → OVERRIDE_ALL, true → PRESERVE_LOCAL). */
  attributeSyncMethod: AttributeSyncMethod | null;
  /** blocking: the login waits for provisioning; non-blocking: a durable job provisions while the login goes on. */
  mode: 'blocking' | 'non-blocking';
}

export const defaultJitPolicy = (): JitPolicy => ({
  isEnabled: true,
  scheme: 'PROVISION_SILENTLY',
  userstore: 'PRIMARY',
  allowedUserStores: ['PRIMARY'],
  associateLocalUser: false,
  associateByUsername: false,
  attributeSyncMethod: null,
  mode: 'blocking',
});

/** A remote claim (OIDC claim name or SAML attribute name) and the SCIM attribute path it fills. */
export interface ClaimMapping {
  remote: string;
  /** SCIM path such as `userName`, `name.givenName`, `emails[type eq "work"].value`, or an enterprise URN path. */
  local: string;
}

/** A remote role/group value and the local group (display name, in the provisioning user store) it grants. */
export interface RoleMapping {
  remote: string;
  local: string;
}

export interface OidcSettings {
  issuer: string;
  clientId: string;
  scopes: string[];
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  jwksUri?: string;
  userinfoEndpoint?: string;
}

export interface SamlSettings {
  entityId: string;
  ssoUrl: string;
  /** PEM certificates the IdP signs with (more than one during a rollover). */
  signingCertificates: string[];
  /** Require signed assertions (default true). */
  wantAssertionsSigned: boolean;
  nameIdFormat?: string;
  /** The metadata XML, when the IdP was configured from it. */
  metadata?: string;
  /** Take the subject from this attribute (single-valued) instead of the NameID, e.g. for IdPs sending transient NameIDs. */
  subjectAttribute?: string;
}

export interface IdentityProvider {
  id: string;
  name: string;
  protocol: 'oidc' | 'saml';
  enabled: boolean;
  /** Emails from this IdP count as verified even without an email_verified claim. */
  trustEmail: boolean;
  oidc?: OidcSettings;
  saml?: SamlSettings;
  claimMappings: ClaimMapping[];
  roleMappings: RoleMapping[];
  jit: JitPolicy;
  /** Upstream liveness: users not seen from this IdP for this many days are deactivated (null = off). */
  inactiveAfterDays: number | null;
}
