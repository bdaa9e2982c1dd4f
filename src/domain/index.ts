// Plain types and rules (SCIM User, FederatedIdentity, IdentityProvider, JIT policy, sign-in flows) and the
// error base. Imports nothing else of ours. The folder's public face: other folders import from here only.
export { changedAttributePaths, recordProvenance } from './attribute-changes.js';
export {
  type ConsentPurpose,
  type ConsentReceipt,
  normalisePiiCategories,
  type PiiCategory,
  type PurposeSnapshot,
} from './consent-purpose.js';
export { AppError, conflict, type FieldProblem, invalidInput, notFound, RetryLaterError } from './errors.js';
export type { AuthnContext, FederatedIdentity } from './federated-identity.js';
export {
  AS_IN_USERNAME,
  ATTRIBUTE_SYNC_METHODS,
  type AttributeSyncMethod,
  type ClaimMapping,
  defaultJitPolicy,
  type IdentityProvider,
  JIT_SCHEMES,
  type JitPolicy,
  type JitScheme,
  type OidcSettings,
  type RoleMapping,
  type SamlSettings,
} from './identity-provider.js';
export { assertJitWritable } from './jit-read-only.js';
export { applyMergePatch } from './merge-patch.js';
export { assertMfaEnrolmentAllowed, mfaEnrolmentRefusal } from './mfa-policy.js';
export {
  assertPasswordAcceptable,
  checkPassword,
  DEFAULT_PASSWORD_POLICY,
  describePasswordProblem,
  type PasswordPolicy,
} from './password-policy.js';
export {
  type AttributePath,
  copyAttributeValue,
  hasAttributeValue,
  parseAttributePath,
  pathCovers,
  readAttributeValues,
  removeAttributeValue,
} from './scim-attribute-path.js';
export {
  checkIndexedLength,
  deriveUserColumns,
  emailValueKey,
  type Provenance,
  type ProvenanceEntry,
  SCIM_ENTERPRISE_USER_SCHEMA,
  SCIM_GROUP_SCHEMA,
  SCIM_USER_SCHEMA,
  type ScimUserResource,
} from './scim-user.js';
export { defaultSettings, type JitSettings, type Settings, settingsSchema } from './settings.js';
export { type CompletedStep, flowWarnings, nextStep, type SignInFlow, signInFlowProblems } from './sign-in-flow.js';
export {
  compilePolicyRegex,
  DEFAULT_ROLENAME_REGEX,
  DEFAULT_USERNAME_REGEX,
  DOMAIN_PATTERN,
  matchesPolicy,
  PRIMARY_DOMAIN,
  qualifyName,
  splitQualifiedName,
  type UserStore,
} from './user-store.js';
export { isUuid } from './uuid.js';
export { suppliedSecretProblem } from './secret-strength.js';
export { VALUE_EXPRESSIONS } from './saml-application.js';
export { type SamlAppSettings } from './saml-application.js';
export { ATTRIBUTE_NAME_FORMATS } from './saml-application.js';
export { NAME_ID_FORMATS } from './saml-application.js';
export { type AssertionConsumerService } from './saml-application.js';
export { type NameIdFormat } from './saml-application.js';
export { type DataEncryptionAlgorithm } from './saml-application.js';
export { type SingleLogoutService } from './saml-application.js';
export {
  ADMIN_ROLES,
  type AdminRole,
  CONSOLE_SCOPES,
  DEFAULT_ROLE_GROUPS,
  effectiveRole,
  roleCovers,
  ROLE_SCOPES,
  type RoleGroups,
  roleOfGroups,
  roleOfScopes,
  scopesUpTo,
} from './admin-roles.js';
