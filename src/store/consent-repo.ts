// JIT consent purposes and the consent receipts kept per user.
import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import { notFound, type ConsentPurpose, type ConsentReceipt, type PiiCategory, type PurposeSnapshot } from '../domain/index.js';
import type { Executor } from './database.js';
import { consentPurposes, consentReceipts } from './schema/index.js';

export type ConsentPurposeRow = typeof consentPurposes.$inferSelect;

export interface ConsentPurposeInput {
  purpose: string;
  description: string;
  piiCategories: PiiCategory[];
}

export interface StoredConsentPurpose extends ConsentPurpose {
  createdAt: Date;
  updatedAt: Date;
}

const toPurpose = (row: ConsentPurposeRow): StoredConsentPurpose => ({
  id: row.id,
  purpose: row.purpose,
  description: row.description,
  piiCategories: row.piiCategories as PiiCategory[],
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

export async function listConsentPurposes(executor: Executor): Promise<StoredConsentPurpose[]> {
  const found = await executor.select().from(consentPurposes).orderBy(asc(consentPurposes.createdAt), asc(consentPurposes.id));
  return found.map(toPurpose);
}

export async function findConsentPurpose(executor: Executor, id: string): Promise<StoredConsentPurpose | undefined> {
  const [row] = await executor.select().from(consentPurposes).where(eq(consentPurposes.id, id));
  return row && toPurpose(row);
}

export async function insertConsentPurpose(executor: Executor, input: ConsentPurposeInput): Promise<StoredConsentPurpose> {
  const [row] = await executor.insert(consentPurposes).values(input).returning();
  return toPurpose(row!);
}

export async function updateConsentPurpose(executor: Executor, id: string, input: ConsentPurposeInput): Promise<StoredConsentPurpose> {
  const [row] = await executor
    .update(consentPurposes)
    .set({ ...input, updatedAt: sql`now()` })
    .where(eq(consentPurposes.id, id))
    .returning();
  if (!row) throw notFound('consent_purpose_not_found', `consent purpose ${id} does not exist`);
  return toPurpose(row);
}

/** Receipts keep their snapshot of a deleted purpose, so deleting one never loses what a person agreed to. */
export async function deleteConsentPurpose(executor: Executor, id: string): Promise<StoredConsentPurpose | undefined> {
  const [row] = await executor.delete(consentPurposes).where(eq(consentPurposes.id, id)).returning();
  return row && toPurpose(row);
}

type ReceiptRow = typeof consentReceipts.$inferSelect;

const toReceipt = (row: ReceiptRow): ConsentReceipt => ({
  id: row.id,
  userId: row.userId,
  purposeId: row.purposeId,
  purposeSnapshot: row.purposeSnapshot as PurposeSnapshot,
  consented: row.consented,
  declined: row.declined,
  idpId: row.idpId,
  createdAt: row.createdAt,
  revokedAt: row.revokedAt,
});

export interface NewConsentReceipt {
  purposeId: string;
  purposeSnapshot: PurposeSnapshot;
  consented: string[];
  declined: string[];
}

/**
 * Stores the receipts of one consent decision. Call it in the transaction that stores the user, so a
 * user never exists without the record of what they agreed to (and a receipt never without its user).
 */
export async function recordConsentReceipts(
  executor: Executor,
  input: { userId: string; idpId: string | null; receipts: readonly NewConsentReceipt[] },
): Promise<ConsentReceipt[]> {
  if (input.receipts.length === 0) return [];
  const inserted = await executor
    .insert(consentReceipts)
    .values(input.receipts.map((r) => ({ ...r, userId: input.userId, idpId: input.idpId })))
    .returning();
  return inserted.map(toReceipt);
}

/** A user's receipts, newest first; revoked ones included unless `activeOnly`. */
export async function listConsentReceipts(
  executor: Executor,
  userId: string,
  options: { activeOnly?: boolean } = {},
): Promise<ConsentReceipt[]> {
  const found = await executor
    .select()
    .from(consentReceipts)
    .where(and(eq(consentReceipts.userId, userId), options.activeOnly ? isNull(consentReceipts.revokedAt) : undefined))
    .orderBy(desc(consentReceipts.createdAt), asc(consentReceipts.id));
  return found.map(toReceipt);
}

/** Locks the receipt row, so two revocations of one receipt cannot both proceed. */
export async function findConsentReceiptForUpdate(
  executor: Executor,
  userId: string,
  receiptId: string,
): Promise<ConsentReceipt | undefined> {
  const [row] = await executor
    .select()
    .from(consentReceipts)
    .where(and(eq(consentReceipts.id, receiptId), eq(consentReceipts.userId, userId)))
    .for('update');
  return row && toReceipt(row);
}

export async function markConsentReceiptRevoked(executor: Executor, receiptId: string): Promise<ConsentReceipt> {
  const [row] = await executor
    .update(consentReceipts)
    .set({ revokedAt: sql`now()` })
    .where(eq(consentReceipts.id, receiptId))
    .returning();
  if (!row) throw notFound('consent_receipt_not_found', `consent receipt ${receiptId} does not exist`);
  return toReceipt(row);
}
