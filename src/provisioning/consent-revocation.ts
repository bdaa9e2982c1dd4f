// Revoking a consent receipt: the optional attributes it covered leave the user (unless another active
// receipt still consents to them); mandatory ones stay, since the account cannot exist without them.
// User change, receipt, audit event and outbox event are written in one transaction.
import {
  conflict,
  notFound,
  type ConsentReceipt,
  parseAttributePath,
  hasAttributeValue,
  type Provenance,
  type ScimUserResource,
} from '../domain/index.js';
import {
  type Actor,
  recordAudit,
  findConsentReceiptForUpdate,
  listConsentReceipts,
  markConsentReceiptRevoked,
  type Store,
  emitOutboxEvent,
  getUserById,
  updateUser,
} from '../store/index.js';
import { attributesToRemoveOnRevoke, stripAttributes } from './consent.js';

export interface RevocationResult {
  receipt: ConsentReceipt;
  /** Attributes removed from the user (they held a value). */
  removed: string[];
  /** Mandatory attributes of the receipt, which stay. */
  keptMandatory: string[];
}

export async function revokeConsentReceipt(
  store: Pick<Store, 'transaction'>,
  input: { userId: string; receiptId: string; actor: Actor },
): Promise<RevocationResult> {
  return store.transaction(async (tx) => {
    // The user first, then the receipt: the same lock order as provisioning (user, then its rows).
    const user = await getUserById(tx, input.userId, { forUpdate: true });
    const receipt = await findConsentReceiptForUpdate(tx, input.userId, input.receiptId);
    if (!receipt) throw notFound('consent_receipt_not_found', `user ${input.userId} has no consent receipt ${input.receiptId}`);
    if (receipt.revokedAt)
      throw conflict('consent_already_revoked', `consent receipt ${input.receiptId} was revoked at ${receipt.revokedAt.toISOString()}`);

    const others = (await listConsentReceipts(tx, input.userId, { activeOnly: true })).filter((r) => r.id !== receipt.id);
    const candidates = attributesToRemoveOnRevoke(receipt, others);
    const removed = candidates.filter((claim) => {
      const parsed = parseAttributePath(claim);
      return parsed.ok && hasAttributeValue(user.resource as ScimUserResource, parsed.path);
    });
    const keptMandatory = receipt.purposeSnapshot.piiCategories
      .filter((c) => c.mandatory && receipt.consented.includes(c.claim))
      .map((c) => c.claim);

    let version = user.version;
    if (removed.length > 0) {
      const at = new Date().toISOString();
      const provenance: Provenance = { ...(user.provenance as Provenance) };
      // Recorded as written by the person (through the admin who acted for them), so that attribute
      // sync treats the removal as a local change rather than something to restore.
      for (const claim of removed)
        provenance[claim] = { source: input.actor.type === 'admin' ? 'admin' : 'user', sourceId: receipt.id, at };
      const updated = await updateUser(
        tx,
        user.id,
        { resource: stripAttributes(user.resource as ScimUserResource, removed), provenance },
        user.version,
      );
      version = updated.version;
      await emitOutboxEvent(tx, {
        resourceType: 'User',
        resourceId: user.id,
        userStoreId: user.userStoreId,
        eventType: 'update',
        payload: { reason: 'consent_revoked', removed },
        resourceVersion: version,
      });
    }
    const revoked = await markConsentReceiptRevoked(tx, receipt.id);
    await recordAudit(tx, {
      actorType: input.actor.type,
      actorId: input.actor.id,
      action: 'consent.revoke',
      targetType: 'user',
      targetId: user.id,
      outcome: 'success',
      details: {
        receiptId: receipt.id,
        purposeId: receipt.purposeId,
        purpose: receipt.purposeSnapshot.purpose,
        removed,
        keptMandatory,
        version,
      },
    });
    return { receipt: revoked, removed, keptMandatory };
  });
}
