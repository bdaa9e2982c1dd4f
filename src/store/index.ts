// The store: one database (PGlite or PostgreSQL) and the secrets box. Repositories live beside this file
// and take an `Executor` (the database or a transaction), so callers compose them in one transaction.
import type { Database, Db, Tx } from './database.js';
import type { SecretBox } from './secret-box.js';

export interface Store {
  readonly kind: Database['kind'];
  readonly db: Db;
  readonly secrets: SecretBox;
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export function createStore(database: Database, secrets: SecretBox): Store {
  return {
    kind: database.kind,
    db: database.db,
    secrets,
    transaction: (work) => database.db.transaction(work),
    ping: () => database.ping(),
    close: () => database.close(),
  };
}

export type { Db, Executor, Tx } from './database.js';

export { findApplicationByClientIdCached } from './applications-cache.js';
export { samlClientId, isSamlClientId, SAML_CLIENT_PREFIX } from './saml-client-applications.js';
export {
  type Application,
  type ApplicationInput,
  type ApplicationOidcSettings,
  deleteApplication,
  ensureBuiltInApplication,
  findApplicationByClientId,
  findApplicationById,
  insertApplication,
  listApplications,
  updateApplication,
  upgradeClientSecretHash,
} from './applications-repo.js';
export { type Actor, type AuditEntry, listAudit, recordAudit } from './audit-repo.js';
export { type AdminMember, findAdminMember } from './admin-members-repo.js';
export {
  checkSecretsKey,
  ensureAdminToken,
  ensureDefaults,
  loadSecretsKey,
  rotateAdminToken,
  SecretsKeyMismatchError,
} from './bootstrap.js';
export {
  type ConsentPurposeInput,
  deleteConsentPurpose,
  findConsentPurpose,
  findConsentReceiptForUpdate,
  insertConsentPurpose,
  listConsentPurposes,
  listConsentReceipts,
  markConsentReceiptRevoked,
  recordConsentReceipts,
  type StoredConsentPurpose,
  updateConsentPurpose,
} from './consent-repo.js';
export { ensureServerSecret, isContextTokenUsed, markContextTokenUsed, sweepUsedContextTokens } from './context-tokens-repo.js';
export { openDatabase } from './database.js';
export { enableStatementSpans } from './statement-spans.js';
export { sweepExpired } from './expired-rows-repo.js';
export {
  type FederatedIdentityRow,
  findLinkById,
  findLinkOfUserForIdp,
  insertLink,
  listLinksOfUser,
  setLinkLocked,
  touchLink,
} from './federated-identities-repo.js';
export {
  consumeFederationFlow,
  consumeFederationFlowWithIdp,
  deleteFederationFlowsOfInteraction,
  type FederationFlow,
  FLOW_TTL_SECONDS,
  insertFederationFlow,
} from './federation-flows-repo.js';
export { hitRateLimit, type RateLimitRule, type RateLimitVerdict } from './rate-limit-repo.js';
export {
  addMembers,
  deleteGroupRow,
  findGroupById,
  findMemberTypes,
  insertGroup,
  listGroupsOf,
  listMembers,
  type MemberRef,
  type MemberView,
  removeFromAllGroups,
  removeMembers,
  touchGroup,
  updateGroup,
} from './groups-repo.js';
export {
  clientSecretMatches,
  generateToken,
  hashClientSecret,
  hashPassword,
  hashToken,
  isScryptHash,
  tokenMatches,
  verifyPassword,
} from './hashing.js';
export {
  configurePasswordHashLimits,
  DEFAULT_PASSWORD_HASH_LIMITS,
  passwordHashLimits,
  passwordHashSlots,
  resetPasswordHashSlotCounters,
  type PasswordHashLimits,
  withPasswordHashSlot,
} from './password-hash-slots.js';
export {
  deleteIdentityProvider,
  findIdentityProvider,
  findIdentityProviderSecrets,
  findIdentityProviderWithSecrets,
  type IdentityProviderInput,
  type IdentityProviderRecord,
  type IdentityProviderSecrets,
  type IdentityProviderWithSecrets,
  insertIdentityProvider,
  listIdentityProviders,
  updateIdentityProvider,
} from './identity-providers-repo.js';
export {
  clearJitIdp,
  countIdpDeletionImpact,
  deleteGroupMembershipsOf,
  deleteLinksOfIdp,
  deleteOidcPayloadsOfAccounts,
  type IdpDeletionCounts,
  listJitUsersForUpdate,
  lockIdentityProviderRow,
} from './idp-deletion-repo.js';
export { claimJobs, completeJob, enqueueJob, failJob, hasActiveJob, type JobRecord } from './job-queue.js';
export { insertKeys, type KeyRow, keysFingerprint, listLiveKeys, lockKeyGeneration, type NewKey, retireActiveKeys } from './keys-repo.js';
export { findLivenessIdp, jobWithKeyExists, listIdpsWithLiveness, lockStaleJitUsers } from './liveness-repo.js';
export { consumeLoginResult, type NewLoginResult, saveLoginResult } from './login-results-repo.js';
export {
  clearAccountThrottle,
  clearLoginFailures,
  findAccountThrottle,
  keyWasSeenSince,
  latestWaitEnd,
  releaseLoginAttempt,
  reserveLoginAttempt,
  sweepLoginThrottle,
  type ThrottleRule,
  type ThrottleState,
  touchLoginKey,
} from './login-throttle-repo.js';
export {
  advanceTotpTimeStep,
  confirmPendingTotp,
  consumeRecoveryCode,
  countEmailOtpsSince,
  countUnusedRecoveryCodes,
  deleteTotp,
  findEmailOtpForUpdate,
  findTotp,
  insertEmailOtp,
  recordEmailOtpAttempt,
  recordTotpFailure,
  replaceRecoveryCodes,
  savePendingTotp,
  sweepEmailOtps,
} from './mfa-repo.js';
export { type AccountUserWithGroups, findAccountUser, findAccountUserWithGroups } from './oidc-accounts-repo.js';
export {
  consumeOidcPayload,
  destroyOidcPayload,
  findOidcPayload,
  findOidcPayloadByUid,
  findOidcPayloadByUserCode,
  type OidcPayload,
  type PayloadToWrite,
  revokeOidcGrant,
  upsertOidcPayload,
  upsertOidcPayloads,
} from './oidc-payloads-repo.js';
export {
  type ConnectorRow,
  deleteConnector,
  findConnector,
  insertConnector,
  listConnectors,
  type NewConnectorRow,
  updateConnector,
} from './outbound-connectors-repo.js';
export {
  claimDeliveries,
  type ClaimedDelivery,
  type CurrentGroup,
  currentGroups,
  currentUserResources,
  type DeliveryOutcome,
  fanOutEvents,
  findRemoteIds,
  type OutboxClockReading,
  readOutboxClock,
  recordOutcomes,
  type RemoteIdChange,
  saveRemoteIds,
} from './outbound-deliveries-repo.js';
export {
  countDeliveriesByStatus,
  countPendingByConnector,
  listDeliveries,
  readJobResult,
  requeueFailed,
} from './outbound-dead-letters-repo.js';
export { countSyncScope, latestSyncJob, queueSyncBatch, saveJobProgress } from './outbound-sync-repo.js';
export { pruneOutboundHistory } from './outbound-retention.js';
export { emitOutboxEvent, type OutboxEntry, type OutboxEventType } from './outbox-repo.js';
export {
  consumePendingProvisioning,
  findPendingProvisioning,
  findPendingProvisioningById,
  type PendingAnswers,
  type PendingProvisioning,
  recordPendingAnswers,
  savePendingProvisioning,
  sweepPendingProvisionings,
} from './pending-provisionings-repo.js';
export { addGroupMember, ensureGroup, findGroupsByNames, memberGroupIds, removeGroupMember } from './provisioning-groups.js';
export {
  findLoginContext,
  findStoreWithUser,
  type LoginContextRow,
  type LoginLink,
  type LoginUser,
  recordUnchangedOrReadContext,
} from './provisioning-reads.js';
export {
  type Change,
  type ChangeAudit,
  type ChangeOutbox,
  type LinkWrite,
  type MembershipWrite,
  staleChange,
  type SyncFingerprint,
  type UserWrite,
  writeChange,
} from './user-changes.js';
export { commitChange } from './user-changes-commit.js';
export { rememberAssertionId } from './saml-replay-repo.js';
export type { GroupRow, UserRow } from './schema/index.js';
export {
  deleteScimClient,
  findScimClientById,
  updateScimClient,
  findScimClientByTokenHash,
  insertScimClient,
  listScimClients,
  type ScimClientRow,
  touchScimClient,
} from './scim-clients-repo.js';
export type { CompareOp, FilterValue, ScimAttr, ScimAttrType, ScimFilter } from './scim-query.js';
export { type ListedRow, type ScimSearch, searchScim } from './scim-search.js';
export { SecretBox, sealedPlaces, type SealedPlace } from './secret-box.js';
export { resealLegacySecrets } from './reseal-secrets.js';
export { readSettings, writeSettings } from './settings-repo.js';
export {
  countUserStoreContents,
  findUserStoreReferences,
  type UserStoreReference,
  deleteUserStore,
  findUserStoreByDomain,
  findUserStoreById,
  insertUserStore,
  listUserStores,
  updateUserStore,
} from './user-stores-repo.js';
export { deleteUserRow, findUserById, findUserByUserName, findUsersByEmail, getUserById, insertUser, updateUser } from './users-repo.js';
export { holdMigrationLock } from './database.js';
export type { Database } from './database.js';
export { isStatementTimeout, isUniqueViolation } from './errors.js';
export { deleteSamlApplication } from './saml-applications-repo.js';
export { findSamlApplicationById } from './saml-applications-repo.js';
export { insertSamlApplication } from './saml-applications-repo.js';
export { updateSamlApplication } from './saml-applications-repo.js';
export { type SamlApplication } from './saml-applications-repo.js';
export { type SamlApplicationInput } from './saml-applications-repo.js';
export { findSamlApplicationByEntityId } from './saml-applications-repo.js';
export { listPublishedKeys } from './keys-repo.js';
export { setKeyStatus } from './keys-repo.js';
export { consumeSamlIdpMessage } from './saml-idp-messages-repo.js';
export { recordSamlIdpMessage } from './saml-idp-messages-repo.js';
export { endSamlIdpSessions } from './saml-idp-sessions-repo.js';
export { findSamlIdpSessions } from './saml-idp-sessions-repo.js';
export { findSamlIdpSessionByIndex } from './saml-idp-sessions-repo.js';
export { findSiblingSamlIdpSessions } from './saml-idp-sessions-repo.js';
export { type SamlIdpSession } from './saml-idp-sessions-repo.js';
export { insertSamlIdpSession } from './saml-idp-sessions-repo.js';
export { findApplicationProtocol, listSamlApplications } from './saml-applications-repo.js';
export { type DashboardFigures, type DashboardHour, readDashboard } from './dashboard-repo.js';
