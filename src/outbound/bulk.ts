// SCIM Bulk (RFC 7644 §3.7) for the simple cases of a batch: POST of a first-attempt create, PATCH and
// DELETE of users whose remote id is known. Anything that may need a lookup first (replays, updates of
// users the target has not seen, conflicts, 404s) goes through `deliver` one by one instead.
import type { ClaimedDelivery, RemoteIdChange } from '../store/index.js';
import type { AttributeMapping } from './connector-config.js';
import { toRemoteUser } from './mapping.js';
import { ScimRequestError, type BulkOperation, type ScimClient } from './scim-client.js';

export type BulkOutcome =
  | { kind: 'delivered'; remoteIdChanges: RemoteIdChange[] }
  /** Not settled by the bulk request: hand it to the one-by-one path (409, 404 on PATCH). */
  | { kind: 'fallback' }
  | { kind: 'error'; error: ScimRequestError };

interface Planned {
  delivery: ClaimedDelivery;
  operation: BulkOperation;
}

const asRecord = (value: unknown) =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

/** Splits a batch into bulk operations and the deliveries that must go one by one. */
export function planBulk(claimed: ClaimedDelivery[], remoteIds: Map<string, string>, mapping: AttributeMapping[] | null) {
  const planned: Planned[] = [];
  const single: ClaimedDelivery[] = [];
  for (const delivery of claimed) {
    const payload = asRecord(delivery.payload);
    const known = remoteIds.get(delivery.resourceId);
    const isUser = delivery.resourceType === 'User' && !delivery.eventType.startsWith('group.');
    if (!isUser || !payload) {
      single.push(delivery);
    } else if (delivery.eventType === 'delete') {
      if (known) planned.push({ delivery, operation: { method: 'DELETE', path: `/Users/${known}` } });
      else single.push(delivery);
    } else if (known) {
      const { schemas: _schemas, ...value } = toRemoteUser(delivery.resourceId, payload, mapping);
      planned.push({
        delivery,
        operation: {
          method: 'PATCH',
          path: `/Users/${known}`,
          data: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value }] },
        },
      });
    } else if (delivery.eventType === 'create' && delivery.attempts <= 1) {
      planned.push({
        delivery,
        operation: {
          method: 'POST',
          path: '/Users',
          bulkId: String(delivery.id),
          data: toRemoteUser(delivery.resourceId, payload, mapping),
        },
      });
    } else {
      single.push(delivery);
    }
  }
  return { planned, single };
}

const idFromLocation = (location: string | undefined) =>
  location ? decodeURIComponent(location.replace(/\/+$/, '').split('/').pop() ?? '') : '';

/** Sends the planned operations in chunks, `lanes` requests at a time; an outcome per delivery id. */
export async function runBulk(
  client: ScimClient,
  planned: Planned[],
  chunkSize: number,
  lanes: number,
): Promise<{ outcomes: Map<number, BulkOutcome>; refused: boolean }> {
  const outcomes = new Map<number, BulkOutcome>();
  let refused = false;
  const chunks: Planned[][] = [];
  for (let i = 0; i < planned.length; i += chunkSize) chunks.push(planned.slice(i, i + chunkSize));
  let next = 0;
  const lane = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++]!;
      try {
        const results = await client.bulk(chunk.map((p) => p.operation));
        chunk.forEach((item, index) => {
          // Results carry the bulkId for POSTs; otherwise they come back in request order (§3.7.3).
          const result = item.operation.bulkId
            ? (results.find((r) => r.bulkId === item.operation.bulkId) ?? results[index])
            : results[index];
          const status = Number(result?.status ?? 0);
          const { method } = item.operation;
          if (status >= 200 && status < 300) {
            const remoteIdChanges: RemoteIdChange[] =
              method === 'POST'
                ? [{ localId: item.delivery.resourceId, resourceType: 'User', remoteId: idFromLocation(result!.location) || null }]
                : method === 'DELETE'
                  ? [{ localId: item.delivery.resourceId, resourceType: 'User', remoteId: null }]
                  : [];
            if (method === 'POST' && !remoteIdChanges[0]!.remoteId) outcomes.set(item.delivery.id, { kind: 'fallback' });
            else outcomes.set(item.delivery.id, { kind: 'delivered', remoteIdChanges });
          } else if (method === 'DELETE' && status === 404) {
            outcomes.set(item.delivery.id, {
              kind: 'delivered',
              remoteIdChanges: [{ localId: item.delivery.resourceId, resourceType: 'User', remoteId: null }],
            });
          } else if ((method === 'POST' && status === 409) || (method === 'PATCH' && status === 404) || !result) {
            outcomes.set(item.delivery.id, { kind: 'fallback' });
          } else {
            const detail = result.response?.detail ?? 'bulk operation failed';
            outcomes.set(item.delivery.id, {
              kind: 'error',
              error: new ScimRequestError(`Bulk ${method} ${item.operation.path}: ${status} ${detail}`, status),
            });
          }
        });
      } catch (error) {
        const failure = error instanceof ScimRequestError ? error : new ScimRequestError(String(error), null);
        // The target refused the Bulk request itself (not its operations): nothing was applied, and the
        // events are not at fault; they go one by one, and Bulk is set aside for this connector.
        if (!failure.retryable) {
          refused = true;
          for (const item of chunk) outcomes.set(item.delivery.id, { kind: 'fallback' });
        } else for (const item of chunk) outcomes.set(item.delivery.id, { kind: 'error', error: failure });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(lanes, chunks.length)) }, lane));
  return { outcomes, refused };
}
