// The provisioning core's public types: what a login gets back (LoginProvisioning), and the plan a login carries
// out (ProvisioningPlan) — the seam where prompts (consent, password, username) can pause a login. A plan is
// immutable and says, per decision, exactly what `applyPlan` writes: the user row and its provenance, the link,
// group memberships, and the audit and outbox events (the same ones the simulation shows).
import type { AttributeSyncMethod, Provenance, ProvenanceEntry, ScimUserResource } from '../domain/index.js';
import type { Logger, Metrics } from '../observability/index.js';
import type { AuditEntry, OutboxEntry, Store } from '../store/index.js';

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

/**
 * An outbox event as written. `resourceId` is null only for a group this plan creates (its id exists once
 * written; `group` names it). Group versions are the plan's prediction (the group's version + 1 per change);
 * under a concurrent change of the same group the written version is the group's actual one.
 */
export interface PlannedOutboxEvent extends Omit<OutboxEntry, 'resourceId'> {
  resourceId: string | null;
  /** The group's display name, for group events. */
  group?: string;
}

/** An audit event as written (the decision's event first, then one per group the plan creates). */
export type PlannedAudit = AuditEntry & { outcome: 'success' | 'refused'; reason: string; details: Record<string, unknown> };

export interface PlannedEvents {
  readonly audit: readonly PlannedAudit[];
  readonly outbox: readonly PlannedOutboxEvent[];
}

export interface PlannedGroups {
  readonly add: ReadonlyArray<{ name: string; id: string | null; version: number | null }>;
  readonly remove: ReadonlyArray<{ name: string; id: string; version: number }>;
  /** Names of the groups to create (each also in `add`, with a null id). */
  readonly create: readonly string[];
}

/** What every plan has. */
interface PlanCommon {
  readonly idpId: string;
  readonly subject: string;
  /** Why, in words an admin can read. */
  readonly reason: string;
  readonly syncMethod: AttributeSyncMethod;
  /** The mapped claims kept on the link as the last ones seen. */
  readonly lastClaims: Record<string, unknown>;
  /** Whether this login's IdP vouched for the email: part of the sync (email provenance). */
  readonly emailVerified: boolean;
  /** Mapping problems and ignored roles, shown by the simulation. */
  readonly warnings: readonly string[];
  /** The audit and outbox events `applyPlan` writes, in order. */
  readonly events: PlannedEvents;
}

/** Nothing stored: the login is refused (the audit event records why). */
export interface RefusePlan extends PlanCommon {
  readonly decision: 'refuse';
  readonly outcome: 'refused';
  readonly refusal: { readonly code: string; readonly message: string };
  /** The user the refusal is about, when planning got that far (then the audit event targets it). */
  readonly userId: string | null;
  /** The username a new user would have had, when planning got that far (the prompts show it). */
  readonly qualifiedUserName: string | null;
}

/** JIT disabled: nothing stored but the audit event; the mapped claims go on to the application. */
export interface PassthroughPlan extends PlanCommon {
  readonly decision: 'passthrough';
  readonly outcome: 'passthrough';
  readonly passthroughClaims: Record<string, unknown>;
  readonly qualifiedUserName: null;
}

/** A plan that ends with a local user: a new one, or an existing one linked or synced. */
interface UserPlanCommon extends PlanCommon {
  readonly userId: string;
  readonly userStore: { readonly id: string; readonly domain: string };
  /** userName within the store (no domain prefix), and as SCIM shows it (`DOMAIN/name`). */
  readonly userName: string;
  readonly qualifiedUserName: string;
  readonly after: ScimUserResource;
  readonly provenanceAfter: Provenance;
  readonly diff: readonly AttributeChange[];
  readonly provenanceChanges: readonly ProvenanceChange[];
  /** Whether the user row changes (a create always does). */
  readonly userChanged: boolean;
  readonly groups: PlannedGroups;
  /**
   * The link's sync fingerprint (sync-fingerprint.ts), when the plan verified that the same login again would
   * leave the user this plan ends with unchanged; null otherwise.
   */
  readonly fingerprint: string | null;
}

export interface CreatePlan extends UserPlanCommon {
  readonly decision: 'create';
  readonly outcome: 'created';
  readonly before: null;
}

/** An existing user: linked by this login (association), or already linked (a returning login). */
export interface ExistingUserPlan extends UserPlanCommon {
  readonly decision: 'link_found' | 'associate_username' | 'associate_email';
  readonly outcome: 'linked' | 'updated' | 'unchanged';
  readonly before: ScimUserResource;
  /** The link of a returning login (null when this login creates it). */
  readonly linkId: string | null;
  /** The user row version the plan was made from; the write happens only if it is unchanged. */
  readonly expectedVersion: number;
  /** Whether the existing user has consent receipts, when read with the login (undefined: not known). */
  readonly userHasConsentReceipts?: boolean;
}

export type UserPlan = CreatePlan | ExistingUserPlan;
export type ProvisioningPlan = RefusePlan | PassthroughPlan | UserPlan;

/** Whether the plan ends with a local user. */
export const endsWithUser = (plan: ProvisioningPlan): plan is UserPlan => plan.decision !== 'refuse' && plan.decision !== 'passthrough';

/** The refusal of a refused plan, else null. */
export const refusalOf = (plan: ProvisioningPlan) => (plan.decision === 'refuse' ? plan.refusal : null);

/** The user a plan ends with, as SCIM shows it (null for a refusal or JIT disabled). */
export const afterOf = (plan: ProvisioningPlan) => (endsWithUser(plan) ? plan.after : null);
