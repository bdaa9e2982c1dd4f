// The provisioning core's public types: what a login gets back (LoginProvisioning), and the plan a login would
// carry out (ProvisioningPlan) — the seam where prompts (consent, password, username) can pause a login.
import type { AttributeSyncMethod, Provenance, ProvenanceEntry, ScimUserResource } from '../domain/index.js';
import type { Logger, Metrics } from '../observability/index.js';
import type { Store } from '../store/index.js';

export interface ProvisioningDeps {
  store: Store;
  logger: Logger;
  metrics: Metrics;
}

export type UserOutcome = 'created' | 'linked' | 'updated' | 'unchanged' | 'queued';

export type LoginProvisioning =
  | {
      kind: 'user';
      userId: string;
      outcome: UserOutcome;
      /** The statement that recorded this login read the user active and unlocked (the one-statement returning login). */
      usable?: true;
    }
  /**
   * JIT disabled: nothing stored; `claims` is the mapped SCIM view of the person, plus `groups` (mapped group
   * names) and `email_verified` (whether the IdP vouched for the email) when there is one.
   */
  | { kind: 'passthrough'; claims: Record<string, unknown> }
  | { kind: 'refused'; code: string; message: string };

export type PlanDecision = 'link_found' | 'create' | 'associate_username' | 'associate_email' | 'refuse' | 'passthrough';

export interface AttributeChange {
  /** Top-level attribute (or `urn:...:attribute` for extension attributes). */
  attribute: string;
  op: 'add' | 'replace' | 'remove';
  before: unknown;
  after: unknown;
}

export interface ProvenanceChange {
  path: string;
  before: ProvenanceEntry | null;
  after: ProvenanceEntry | null;
}

export interface PlannedOutboxEvent {
  resourceType: 'User' | 'Group';
  eventType: 'create' | 'update' | 'group.create' | 'group.member_add' | 'group.member_remove';
  /** null for a group this plan would create (its id exists only once written). */
  resourceId: string | null;
  /** The group's display name, for group events. */
  group?: string;
}

export interface PlannedAudit {
  action: string;
  outcome: 'success' | 'refused';
  reason: string;
  details: Record<string, unknown>;
}

export interface ProvisioningPlan {
  idpId: string;
  subject: string;
  decision: PlanDecision;
  /** Why, in words an admin can read. */
  reason: string;
  refusal: { code: string; message: string } | null;
  passthroughClaims: Record<string, unknown> | null;
  syncMethod: AttributeSyncMethod;
  /** The user the login ends with: existing, or the id a create will use. */
  userId: string | null;
  userStore: { id: string; domain: string } | null;
  /** userName within the store (no domain prefix), and as SCIM shows it (`DOMAIN/name`). */
  userName: string | null;
  qualifiedUserName: string | null;
  link: { id: string | null; exists: boolean };
  before: ScimUserResource | null;
  after: ScimUserResource | null;
  /** Whether the existing user has consent receipts, when read with the login (undefined: not known). */
  userHasConsentReceipts?: boolean;
  /** The user row version the plan was made from; the apply step writes only if it is unchanged. */
  expectedVersion: number | null;
  userChanged: boolean;
  diff: AttributeChange[];
  provenanceAfter: Provenance | null;
  provenanceChanges: ProvenanceChange[];
  groups: {
    add: Array<{ name: string; id: string | null }>;
    remove: Array<{ name: string; id: string }>;
    create: string[];
  };
  outbox: PlannedOutboxEvent[];
  audit: PlannedAudit;
  /** The mapped claims kept on the link as the last ones seen. */
  lastClaims: Record<string, unknown>;
  /**
   * Whether a later login with the same claims (and sync method) would leave the user this plan ends with
   * unchanged — verified by running the sync again (sync-fingerprint.ts). Then the link records the fingerprint.
   */
  resyncIsNoop: boolean;
  /** Whether this login's IdP vouched for the email: part of the sync (email provenance), so of the fingerprint. */
  emailVerified: boolean;
  outcome: Exclude<UserOutcome, 'queued'> | 'refused' | 'passthrough';
  /** Mapping problems and ignored roles, shown by the simulation. */
  warnings: string[];
}
