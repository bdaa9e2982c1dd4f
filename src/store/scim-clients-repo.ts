// SCIM clients: bearer tokens for /scim/v2, stored as SHA-256 digests, with scopes and optional user stores.
import { asc, eq, sql } from 'drizzle-orm';
import type { Executor } from './database.js';
import { scimClients } from './schema/index.js';

export type ScimClientRow = typeof scimClients.$inferSelect;

export interface NewScimClient {
  name: string;
  tokenHash: string;
  scopes: string[];
  userStores: string[] | null;
}

export async function insertScimClient(executor: Executor, client: NewScimClient): Promise<ScimClientRow> {
  const [row] = await executor.insert(scimClients).values(client).returning();
  return row!;
}

export async function listScimClients(executor: Executor): Promise<ScimClientRow[]> {
  return executor.select().from(scimClients).orderBy(asc(scimClients.createdAt), asc(scimClients.id));
}

export async function findScimClientById(executor: Executor, id: string): Promise<ScimClientRow | undefined> {
  const [row] = await executor.select().from(scimClients).where(eq(scimClients.id, id));
  return row;
}

export async function findScimClientByTokenHash(executor: Executor, tokenHash: string): Promise<ScimClientRow | undefined> {
  const [row] = await executor.select().from(scimClients).where(eq(scimClients.tokenHash, tokenHash));
  return row;
}

/** Replaces name, scopes and user stores, and the token hash when one is given. */
export async function updateScimClient(
  executor: Executor,
  id: string,
  changes: Omit<NewScimClient, 'tokenHash'> & { tokenHash?: string },
): Promise<ScimClientRow | undefined> {
  const [row] = await executor
    .update(scimClients)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(eq(scimClients.id, id))
    .returning();
  return row;
}

export async function deleteScimClient(executor: Executor, id: string): Promise<ScimClientRow | undefined> {
  const [row] = await executor.delete(scimClients).where(eq(scimClients.id, id)).returning();
  return row;
}

export async function touchScimClient(executor: Executor, id: string): Promise<void> {
  await executor
    .update(scimClients)
    .set({ lastUsedAt: sql`now()` })
    .where(eq(scimClients.id, id));
}
