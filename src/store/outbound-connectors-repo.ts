// Persistence of outbound connectors (downstream SCIM targets). The rest of outbound provisioning's SQL:
// outbound-deliveries-repo.ts (fan-out, claims, remote ids), outbound-dead-letters-repo.ts, outbound-sync-repo.ts.
import { asc, eq, sql } from 'drizzle-orm';
import { rows, type Executor } from './database.js';
import { outboundConnectors } from './schema/index.js';

export type ConnectorRow = typeof outboundConnectors.$inferSelect;
export type NewConnectorRow = typeof outboundConnectors.$inferInsert;

export async function insertConnector(executor: Executor, values: NewConnectorRow): Promise<ConnectorRow> {
  // A new connector starts at the head of the outbox: history reaches it through reconciliation (sync).
  const [head] = await rows<{ head: string | number }>(executor, sql`select coalesce(max(id), 0) as head from outbox_events`);
  const [row] = await executor
    .insert(outboundConnectors)
    .values({ ...values, outboxCursor: Number(head?.head ?? 0) })
    .returning();
  return row!;
}

export async function updateConnector(executor: Executor, id: string, values: Partial<NewConnectorRow>): Promise<ConnectorRow | undefined> {
  const [row] = await executor
    .update(outboundConnectors)
    .set({ ...values, updatedAt: sql`now()` })
    .where(eq(outboundConnectors.id, id))
    .returning();
  return row;
}

export async function deleteConnector(executor: Executor, id: string): Promise<boolean> {
  const deleted = await executor.delete(outboundConnectors).where(eq(outboundConnectors.id, id)).returning({ id: outboundConnectors.id });
  return deleted.length > 0;
}

export async function findConnector(executor: Executor, id: string): Promise<ConnectorRow | undefined> {
  const [row] = await executor.select().from(outboundConnectors).where(eq(outboundConnectors.id, id));
  return row;
}

export async function listConnectors(executor: Executor, options: { enabledOnly?: boolean } = {}): Promise<ConnectorRow[]> {
  return executor
    .select()
    .from(outboundConnectors)
    .where(options.enabledOnly ? eq(outboundConnectors.enabled, true) : undefined)
    .orderBy(asc(outboundConnectors.createdAt), asc(outboundConnectors.id));
}
