// SAML message exchanges of the app-facing IdP (schema/saml-idp.ts): an AuthnRequest waiting for the login to
// finish, a LogoutRequest we sent waiting for its answer. Recording a request id is also the replay check: the
// (application, message id) pair is unique, so the second arrival of one request finds the first.
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Executor } from './database.js';
import { isUniqueViolation } from './errors.js';
import { samlIdpMessages } from './schema/index.js';

export type SamlIdpMessageKind = 'authn' | 'logout-in' | 'logout-out';

export interface NewSamlIdpMessage {
  id: string;
  kind: SamlIdpMessageKind;
  applicationId: string;
  /** The SAML ID (the SP's request id, or ours); null for IdP-initiated SSO, which answers no request. */
  messageId: string | null;
  state: Record<string, unknown>;
  expiresAt: Date;
}

/** Records the exchange; false when the SP already sent a request with this id (a replay). */
export async function recordSamlIdpMessage(executor: Executor, message: NewSamlIdpMessage): Promise<boolean> {
  try {
    const inserted = await executor
      .insert(samlIdpMessages)
      .values({ ...message })
      .onConflictDoNothing({ target: [samlIdpMessages.applicationId, samlIdpMessages.messageId] })
      .returning({ id: samlIdpMessages.id });
    return inserted.length > 0;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

export interface SamlIdpMessage extends NewSamlIdpMessage {
  createdAt: Date;
}

/** Marks the exchange used and returns it; undefined when unknown, expired or already used (one answer per request). */
export async function consumeSamlIdpMessage(
  executor: Executor,
  kind: SamlIdpMessageKind,
  where: { id: string } | { applicationId: string; messageId: string },
): Promise<SamlIdpMessage | undefined> {
  const match =
    'id' in where
      ? eq(samlIdpMessages.id, where.id)
      : and(eq(samlIdpMessages.applicationId, where.applicationId), eq(samlIdpMessages.messageId, where.messageId));
  const [row] = await executor
    .update(samlIdpMessages)
    .set({ consumedAt: sql`now()` })
    .where(and(match, eq(samlIdpMessages.kind, kind), isNull(samlIdpMessages.consumedAt), gt(samlIdpMessages.expiresAt, sql`now()`)))
    .returning();
  if (!row) return undefined;
  return {
    id: row.id,
    kind: row.kind as SamlIdpMessageKind,
    applicationId: row.applicationId,
    messageId: row.messageId,
    state: row.state as Record<string, unknown>,
    expiresAt: row.expiresAt,
    createdAt: row.createdAt,
  };
}

/** Reads an exchange still waiting, without using it (the login reads what the request asked for). */
export async function findPendingSamlIdpMessage(executor: Executor, id: string): Promise<SamlIdpMessage | undefined> {
  const [row] = await executor
    .select()
    .from(samlIdpMessages)
    .where(and(eq(samlIdpMessages.id, id), isNull(samlIdpMessages.consumedAt), gt(samlIdpMessages.expiresAt, sql`now()`)));
  if (!row) return undefined;
  return {
    id: row.id,
    kind: row.kind as SamlIdpMessageKind,
    applicationId: row.applicationId,
    messageId: row.messageId,
    state: row.state as Record<string, unknown>,
    expiresAt: row.expiresAt,
    createdAt: row.createdAt,
  };
}
