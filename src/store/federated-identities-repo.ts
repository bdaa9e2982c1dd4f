// Federated identities: the links between an upstream identity (IdP + subject) and a local user.
// (idp_id, subject) is unique; inserts use ON CONFLICT so a racing first login never aborts a PostgreSQL transaction.
import { and, asc, eq, sql } from 'drizzle-orm';
import { queryRows, type Executor } from './database.js';
import { federatedIdentities, users, type FederatedIdentityRow, type UserRow } from './schema/index.js';

export type { FederatedIdentityRow };

/** The link of (IdP, subject) with its user, in one query (the hot path of every returning login). */
export async function findLinkWithUser(
  executor: Executor,
  idpId: string,
  subject: string,
): Promise<{ link: FederatedIdentityRow; user: UserRow } | undefined> {
  const [row] = await executor
    .select({ link: federatedIdentities, user: users })
    .from(federatedIdentities)
    .innerJoin(users, eq(users.id, federatedIdentities.userId))
    .where(and(eq(federatedIdentities.idpId, idpId), eq(federatedIdentities.subject, subject)));
  return row;
}

export interface NewLink {
  idpId: string;
  subject: string;
  userId: string;
  lastClaims?: Record<string, unknown> | null;
}

/**
 * Inserts a link; undefined when (IdP, subject) is already linked (someone else won the race). Plain SQL: it runs
 * on every first login.
 */
export async function insertLink(executor: Executor, link: NewLink): Promise<{ id: string } | undefined> {
  const [row] = await queryRows<{ id: string }>(
    executor,
    sql`insert into federated_identities (idp_id, subject, user_id, last_claims, last_login_at)
        values (${link.idpId}, ${link.subject}, ${link.userId}, ${link.lastClaims == null ? null : JSON.stringify(link.lastClaims)}::jsonb, now())
        on conflict (idp_id, subject) do nothing
        returning id`,
  );
  return row;
}

/** Records a login through a link (every returning login: plain SQL). */
export async function touchLink(executor: Executor, id: string, lastClaims: Record<string, unknown> | null): Promise<void> {
  await executor.execute(
    sql`update federated_identities set last_login_at = now(), last_claims = ${lastClaims == null ? null : JSON.stringify(lastClaims)}::jsonb, updated_at = now()
        where id = ${id}`,
  );
}

export async function findLinkById(executor: Executor, id: string): Promise<FederatedIdentityRow | undefined> {
  const [row] = await executor.select().from(federatedIdentities).where(eq(federatedIdentities.id, id));
  return row;
}

export async function listLinksOfUser(executor: Executor, userId: string): Promise<FederatedIdentityRow[]> {
  return executor
    .select()
    .from(federatedIdentities)
    .where(eq(federatedIdentities.userId, userId))
    .orderBy(asc(federatedIdentities.createdAt));
}

/** Whether the user already has a link from this IdP (an association must not take a second subject's user). */
export async function findLinkOfUserForIdp(executor: Executor, userId: string, idpId: string): Promise<FederatedIdentityRow | undefined> {
  const [row] = await executor
    .select()
    .from(federatedIdentities)
    .where(and(eq(federatedIdentities.userId, userId), eq(federatedIdentities.idpId, idpId)))
    .limit(1);
  return row;
}

export async function setLinkLocked(executor: Executor, id: string, locked: boolean): Promise<FederatedIdentityRow | undefined> {
  const [row] = await executor
    .update(federatedIdentities)
    .set({ locked, updatedAt: sql`now()` })
    .where(eq(federatedIdentities.id, id))
    .returning();
  return row;
}
