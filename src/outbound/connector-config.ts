// What an outbound connector is: a downstream SCIM 2.0 target, its credentials, scope and delivery tuning.
// Plain types and defaults; the admin API validates input, the store keeps rows, the worker reads this shape.

export type OutboundEventKind = 'create' | 'update' | 'deactivate' | 'delete' | 'group';
export const OUTBOUND_EVENT_KINDS: OutboundEventKind[] = ['create', 'update', 'deactivate', 'delete', 'group'];

export type ConnectorAuth =
  | { type: 'bearer'; token: string }
  | { type: 'oauth2'; tokenUrl: string; clientId: string; clientSecret: string; scope?: string | undefined };

/** One attribute copied to the downstream resource: local SCIM path → remote SCIM path. */
export interface AttributeMapping {
  local: string;
  remote: string;
}

export interface DeliveryOptions {
  /** Attempts before an event is dead-lettered. */
  maxAttempts: number;
  /** Per-request timeout toward the downstream. */
  timeoutMs: number;
  /** First retry delay; doubles per attempt, with jitter, up to backoffMaxMs. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Requests in flight at once toward this downstream. */
  concurrency: number;
  /** Use SCIM Bulk when the target advertises it (`auto`), never (`off`). */
  bulk: 'auto' | 'off';
}

export const DEFAULT_DELIVERY_OPTIONS: DeliveryOptions = {
  maxAttempts: 10,
  timeoutMs: 10_000,
  backoffBaseMs: 1_000,
  backoffMaxMs: 300_000,
  concurrency: 16,
  bulk: 'auto',
};

export interface OutboundConnector {
  id: string;
  name: string;
  type: 'scim2';
  baseUrl: string;
  auth: ConnectorAuth;
  /** User store domains in scope; null = every store. */
  userStores: string[] | null;
  /** Event kinds in scope; null = all. */
  events: OutboundEventKind[] | null;
  attributeMapping: AttributeMapping[] | null;
  delivery: DeliveryOptions;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** Which outbox event types a connector's `events` list lets through. */
export function outboxTypesFor(events: OutboundEventKind[] | null): string[] {
  const kinds = events ?? OUTBOUND_EVENT_KINDS;
  return kinds.flatMap((kind) =>
    kind === 'group' ? ['group.create', 'group.update', 'group.delete', 'group.member_add', 'group.member_remove'] : [kind],
  );
}
