// The outbound worker: runs in every server instance. Each round it fans new outbox events out to each
// enabled connector's delivery queue, claims due deliveries (FOR UPDATE SKIP LOCKED, leased, only the
// oldest pending event of each user), sends them with SCIM, and records the outcome: delivered, retried
// after a backoff (or the downstream's Retry-After), or dead-lettered after the connector's maxAttempts.
// Any number of instances may run it on one database.
import { PollingLoop } from './polling-loop.js';
import { OutboundNetwork } from '../net/index.js';
import { inSpan, type Logger, type Metrics } from '../observability/index.js';
import {
  type Store,
  claimDeliveries,
  countPendingByConnector,
  currentGroups,
  currentUserResources,
  fanOutEvents,
  findRemoteIds,
  listConnectors,
  readOutboxClock,
  recordOutcomes,
  saveRemoteIds,
  type ClaimedDelivery,
  type DeliveryOutcome,
  type RemoteIdChange,
} from '../store/index.js';
import { backoffDelayMs } from './backoff.js';
import { outboxTypesFor, type OutboundConnector } from './connector-config.js';
import { connectorFromRow } from './connectors.js';
import { planBulk, runBulk } from './bulk.js';
import { deliver } from './deliver.js';
import { memberIds } from './mapping.js';
import { OutboxClock } from './outbox-clock.js';
import { ScimClient, ScimRequestError } from './scim-client.js';
import { createTokenSource } from './token-source.js';

export interface OutboundWorkerOptions {
  store: Store;
  metrics?: Metrics;
  logger?: Logger;
  /** Wait between rounds that found nothing to do. */
  pollIntervalMs?: number;
  /** Deliveries claimed per connector per round. */
  batchSize?: number;
  /** Outbox events fanned out per connector per round. */
  fanOutBatch?: number;
  /** How long a claim holds (at least 6 × the connector's timeoutMs); a batch stops starting new deliveries in time. */
  leaseMs?: number;
  /** How often the list of connectors is re-read. */
  connectorRefreshMs?: number;
  /**
   * The outbound network rules every delivery goes through (src/net). Unset → the strictest: no loopback, private or
   * metadata address, no plain http.
   */
  network?: OutboundNetwork;
  /** Called after each delivered batch with where its time went (benchmarks, diagnostics). */
  onBatch?: (stats: BatchStats) => void;
}

export interface BatchStats {
  connectorId: string;
  claimed: number;
  claimMs: number;
  deliverMs: number;
  recordMs: number;
}

interface ConnectorRuntime {
  connector: OutboundConnector;
  client: ScimClient;
  /** Set from a 429/503 Retry-After: the whole connector waits, not only the one event. */
  pausedUntil: number;
  /** The target's Bulk support from its ServiceProviderConfig, re-read every few minutes. */
  bulk: { supported: boolean; maxOperations: number; readAt: number } | null;
}

export class OutboundWorker {
  private readonly loop: PollingLoop;
  private readonly clock = new OutboxClock();
  /** The sequence's last id at the previous reading (null before the first). */
  private lastSeenId: number | null = null;
  private runtimes = new Map<string, ConnectorRuntime>();
  private connectorsReadAt = 0;
  private gaugeAt = 0;

  private readonly network: OutboundNetwork;

  constructor(private readonly options: OutboundWorkerOptions) {
    this.network = options.network ?? new OutboundNetwork({ allowedNetworks: [] });
    this.loop = new PollingLoop({
      round: () => this.runOnce(),
      idleDelayMs: options.pollIntervalMs ?? 250,
      onError: (error) => options.logger?.error({ err: error }, 'outbound worker round failed'),
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Stops polling and waits for the round in hand to finish. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One round over every connector; returns how much work it found (0 = idle). Exposed for tests. */
  async runOnce(): Promise<number> {
    const { store } = this.options;
    await this.refreshConnectors();
    if (this.runtimes.size === 0) return 0;
    const reading = await readOutboxClock(store.db, this.clock.wantsMark(this.lastSeenId));
    this.lastSeenId = reading.lastId;
    const settled = this.clock.observe(reading);
    let work = 0;
    for (const runtime of this.runtimes.values()) {
      const { connector } = runtime;
      const fanned = await fanOutEvents(
        store.db,
        { connectorId: connector.id, userStores: connector.userStores, eventTypes: outboxTypesFor(connector.events) },
        settled,
        this.options.fanOutBatch ?? 5000,
      );
      if (fanned > 0) work += fanned;
      if (runtime.pausedUntil > Date.now()) continue;
      work += await this.deliverBatch(runtime);
    }
    await this.sampleGauge();
    return work;
  }

  private async refreshConnectors(): Promise<void> {
    const now = Date.now();
    if (now - this.connectorsReadAt < (this.options.connectorRefreshMs ?? 1000)) return;
    this.connectorsReadAt = now;
    const rows = await listConnectors(this.options.store.db, { enabledOnly: true });
    const next = new Map<string, ConnectorRuntime>();
    for (const row of rows) {
      const current = this.runtimes.get(row.id);
      if (current && current.connector.updatedAt.getTime() === row.updatedAt.getTime()) {
        next.set(row.id, current);
        continue;
      }
      try {
        const connector = connectorFromRow(row, this.options.store.secrets);
        const tokens = createTokenSource(connector.auth, { timeoutMs: connector.delivery.timeoutMs, fetch: this.network.fetch });
        const client = new ScimClient({
          baseUrl: connector.baseUrl,
          tokens,
          timeoutMs: connector.delivery.timeoutMs,
          fetch: this.network.fetch,
        });
        next.set(row.id, { connector, client, pausedUntil: current?.pausedUntil ?? 0, bulk: null });
      } catch (error) {
        this.options.logger?.error({ err: error, connectorId: row.id }, 'outbound connector unusable (secrets unreadable?)');
      }
    }
    this.runtimes = next;
  }

  private async deliverBatch(runtime: ConnectorRuntime): Promise<number> {
    const { store, metrics } = this.options;
    const { connector } = runtime;
    // The lease must outlast the slowest delivery started before the deadline (lookup, PATCH, a 401 retry:
    // about four requests, each bounded by timeoutMs), or another worker could send the same event meanwhile.
    const { timeoutMs } = connector.delivery;
    const leaseMs = Math.max(this.options.leaseMs ?? 60_000, 6 * timeoutMs);
    const t0 = performance.now();
    const claimed = await claimDeliveries(store.db, connector.id, this.options.batchSize ?? 200, leaseMs);
    if (claimed.length === 0) return 0;
    const t1 = performance.now();
    const deadline = Date.now() + Math.max(leaseMs / 4, leaseMs - 4 * timeoutMs);

    // Remote ids of the users in this batch, and of the members of any group in it (current and changed).
    const groupEvents = claimed.filter((d) => d.resourceType === 'Group' || d.eventType.startsWith('group.'));
    const groups = await currentGroups(store.db, [...new Set(groupEvents.map((d) => d.resourceId))]);
    const localIds = new Set<string>();
    for (const d of claimed) localIds.add(d.resourceId);
    for (const d of groupEvents) for (const id of memberIds(d.payload as Record<string, unknown> | null)) localIds.add(id);
    for (const group of groups.values()) for (const id of group.members) localIds.add(id);
    const remoteIds = await findRemoteIds(store.db, connector.id, [...localIds]);
    // Some user events only say that something changed (a password set, a consent revoked) and carry no
    // resource: send the user's current state instead; a user gone since then awaits its delete event.
    const bare = claimed.filter(
      (d) =>
        d.resourceType === 'User' && d.eventType !== 'delete' && typeof (d.payload as { userName?: unknown } | null)?.userName !== 'string',
    );
    const current = await currentUserResources(
      store.db,
      bare.map((d) => d.resourceId),
    );
    const gone = new Set<number>();
    for (const d of bare) {
      const resource = current.get(d.resourceId);
      if (resource) d.payload = resource;
      else gone.add(d.id);
    }
    const context = { client: runtime.client, mapping: connector.attributeMapping, remoteIds, groups };

    const outcomes: DeliveryOutcome[] = [];
    const changes: RemoteIdChange[] = [];
    const lags: number[] = [];
    let queue: ClaimedDelivery[] = [];
    for (const delivery of claimed) {
      if (gone.has(delivery.id))
        outcomes.push({ id: delivery.id, attempts: delivery.attempts, status: 'skipped', note: 'the user no longer exists' });
      else queue.push(delivery);
    }

    // Bulk for the simple cases when the target advertises it; the rest (and what Bulk could not settle) one by one.
    const bulk = connector.delivery.bulk === 'auto' && queue.length > 1 ? await this.bulkSupport(runtime) : null;
    if (bulk) {
      const { planned, single } = planBulk(queue, remoteIds, connector.attributeMapping);
      if (planned.length > 1) {
        const lanes = connector.delivery.concurrency;
        const chunk = Math.min(bulk.maxOperations, Math.max(1, Math.ceil(planned.length / lanes)));
        const { outcomes: results, refused } = await runBulk(runtime.client, planned, chunk, lanes);
        if (refused) {
          this.options.logger?.warn(
            { connectorId: connector.id },
            'the target refused a SCIM Bulk request; delivering one by one for a while',
          );
          runtime.bulk = { supported: false, maxOperations: 1, readAt: Date.now() };
        }
        queue = single;
        for (const { delivery } of planned) {
          const result = results.get(delivery.id);
          if (!result || result.kind === 'fallback') queue.push(delivery);
          else if (result.kind === 'error') outcomes.push(this.failure(runtime, delivery, result.error));
          else {
            changes.push(...result.remoteIdChanges);
            outcomes.push({ id: delivery.id, attempts: delivery.attempts, status: 'delivered' });
            lags.push((Date.now() - delivery.createdMs) / 1000);
          }
        }
      }
    }

    // Users first, then groups: a group's members may be users created in this very batch.
    const isGroup = (d: ClaimedDelivery) => d.resourceType === 'Group' || d.eventType.startsWith('group.');
    const groupQueue = queue.filter(isGroup);
    queue = queue.filter((d) => !isGroup(d));
    let next = 0;
    const lane = async () => {
      while (next < queue.length) {
        const delivery = queue[next++]!;
        if (Date.now() > deadline || runtime.pausedUntil > Date.now()) {
          outcomes.push({ id: delivery.id, attempts: delivery.attempts, status: 'release' });
          continue;
        }
        try {
          const result = await inSpan(
            'outbound delivery',
            {
              'jitbridge.connector_id': connector.id,
              'jitbridge.event_type': delivery.eventType,
              'jitbridge.resource_type': delivery.resourceType,
            },
            () => deliver(context, delivery),
          );
          changes.push(...result.remoteIdChanges);
          outcomes.push({ id: delivery.id, attempts: delivery.attempts, status: 'delivered' });
          lags.push((Date.now() - delivery.createdMs) / 1000);
        } catch (error) {
          outcomes.push(this.failure(runtime, delivery, error));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(connector.delivery.concurrency, queue.length)) }, lane));
    if (groupQueue.length > 0) {
      for (const change of changes) {
        if (change.remoteId) remoteIds.set(change.localId, change.remoteId);
        else remoteIds.delete(change.localId);
      }
      queue = groupQueue;
      next = 0;
      await Promise.all(Array.from({ length: Math.max(1, Math.min(connector.delivery.concurrency, queue.length)) }, lane));
    }
    const t2 = performance.now();

    // Remote ids first: if the process dies between the two writes, the replay finds the mapping.
    await saveRemoteIds(store.db, connector.id, changes);
    await recordOutcomes(store.db, outcomes);
    this.options.onBatch?.({
      connectorId: connector.id,
      claimed: claimed.length,
      claimMs: t1 - t0,
      deliverMs: t2 - t1,
      recordMs: performance.now() - t2,
    });
    // One line per delivery outcome (delivered, retry, failed, skipped); a release only hands the event back.
    for (const o of outcomes) {
      if (o.status === 'release') continue;
      const line = {
        connectorId: connector.id,
        deliveryId: o.id,
        attempt: o.attempts,
        result: o.status,
        ...('error' in o ? { error: o.error } : {}),
      };
      if (o.status === 'failed' || o.status === 'retry') this.options.logger?.warn(line, 'outbound delivery');
      else this.options.logger?.info(line, 'outbound delivery');
    }
    if (metrics) {
      for (const o of outcomes) if (o.status !== 'release') metrics.outboundDeliveries.inc({ connector: connector.id, result: o.status });
      for (const lag of lags) metrics.outboundLatency.observe({ connector: connector.id }, lag);
    }
    return claimed.length;
  }

  private async bulkSupport(runtime: ConnectorRuntime): Promise<{ maxOperations: number } | null> {
    if (!runtime.bulk || Date.now() - runtime.bulk.readAt > 300_000) {
      try {
        const config = await runtime.client.serviceProviderConfig();
        const supported = Boolean(config.bulk?.supported) && Number(config.bulk?.maxOperations) > 1;
        runtime.bulk = { supported, maxOperations: Math.min(Number(config.bulk?.maxOperations) || 1, 1000), readAt: Date.now() };
      } catch {
        // Unreadable now: go one by one, and ask again in a minute.
        runtime.bulk = { supported: false, maxOperations: 1, readAt: Date.now() - 240_000 };
      }
    }
    return runtime.bulk.supported ? { maxOperations: runtime.bulk.maxOperations } : null;
  }

  private failure(runtime: ConnectorRuntime, delivery: ClaimedDelivery, error: unknown): DeliveryOutcome {
    const { delivery: options } = runtime.connector;
    const message = error instanceof Error ? error.message : String(error);
    const scim = error instanceof ScimRequestError ? error : null;
    if (scim?.retryAfterMs != null) runtime.pausedUntil = Math.max(runtime.pausedUntil, Date.now() + scim.retryAfterMs);
    // A permanent refusal (400, 404, 409 …) will not change by asking again: dead-letter it now.
    const permanent = scim !== null && !scim.retryable;
    if (permanent || delivery.attempts >= options.maxAttempts) {
      this.options.logger?.warn(
        { connectorId: runtime.connector.id, eventId: delivery.eventId, err: message },
        'outbound event dead-lettered',
      );
      return { id: delivery.id, attempts: delivery.attempts, status: 'failed', error: message };
    }
    const delayMs = scim?.retryAfterMs ?? backoffDelayMs(delivery.attempts, options.backoffBaseMs, options.backoffMaxMs);
    return { id: delivery.id, attempts: delivery.attempts, status: 'retry', delayMs, error: message };
  }

  private async sampleGauge(): Promise<void> {
    const { metrics, store } = this.options;
    if (!metrics || Date.now() - this.gaugeAt < 2000) return;
    this.gaugeAt = Date.now();
    const pending = await countPendingByConnector(store.db);
    for (const id of this.runtimes.keys()) metrics.outboundPending.set({ connector: id }, pending.get(id) ?? 0);
  }
}
