// Pruning of delivered outbound history: what is past retention goes, what the worker still needs stays.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/store/database.js';
import { pruneOutboundHistory } from '../../src/store/index.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ label: 'outbound_retention' });
});
afterAll(async () => {
  await server?.stop();
});

const db = () => server.ctx.store.db;
const OLD = sql`now() - interval '30 days'`;
const RECENT = sql`now() - interval '1 hour'`;

async function event(resourceId: string, old: boolean): Promise<number> {
  const [row] = await rows<{ id: string | number }>(
    db(),
    sql`insert into outbox_events (resource_type, resource_id, event_type, payload, created_at)
        values ('User', ${resourceId}, 'update', '{}'::jsonb, ${old ? OLD : RECENT}) returning id`,
  );
  return Number(row!.id);
}

async function connector(name: string, enabled: boolean): Promise<string> {
  const [row] = await rows<{ id: string }>(
    db(),
    sql`insert into outbound_connectors (name, base_url, auth_type, enabled) values (${name}, 'http://127.0.0.1:9/scim/v2', 'bearer', ${enabled}) returning id`,
  );
  return row!.id;
}

async function delivery(connectorId: string, eventId: number, resourceId: string, status: string, old: boolean): Promise<void> {
  const when = old ? OLD : RECENT;
  await db().execute(
    sql`insert into outbound_deliveries (connector_id, event_id, resource_id, status, delivered_at, created_at)
        values (${connectorId}, ${eventId}, ${resourceId}, ${status}, ${status === 'delivered' ? when : null}, ${when})`,
  );
}

const remaining = async (table: 'outbound_deliveries' | 'outbox_events', column: 'event_id' | 'id') =>
  (await rows<{ id: string | number }>(db(), sql`select ${sql.raw(column)} as id from ${sql.raw(table)} order by 1`)).map((r) =>
    Number(r.id),
  );

describe('pruneOutboundHistory', () => {
  it('prunes old delivered and skipped history, keeping the newest delivery per resource, dead letters, pending work and what a connector has not fanned out', async () => {
    const [r1, r2, r3] = [randomUUID(), randomUUID(), randomUUID()];
    const c1 = await connector('active', true);
    const e1 = await event(r1, true);
    const e2 = await event(r1, true);
    const e3 = await event(r2, true);
    const e4 = await event(r2, true);
    const e5 = await event(r3, false);
    const e6 = await event(r3, true);
    const e7 = await event(r3, true);
    await delivery(c1, e1, r1, 'delivered', true); // superseded by e2: goes
    await delivery(c1, e2, r1, 'delivered', true); // newest delivered of r1: stays
    await delivery(c1, e3, r2, 'failed', true); // dead letter: stays, and its event
    await delivery(c1, e4, r2, 'skipped', true); // old skipped: goes
    await delivery(c1, e5, r3, 'delivered', false); // within retention: stays
    await delivery(c1, e6, r3, 'pending', true); // pending: stays, and its event
    // A disabled connector whose cursor is at e4 holds back every event after it.
    const c2 = await connector('disabled', false);
    await db().execute(sql`update outbound_connectors set outbox_cursor = ${e4} where id = ${c2}`);
    await db().execute(sql`update outbound_connectors set outbox_cursor = ${e7} where id = ${c1}`);

    const result = await pruneOutboundHistory(db());
    expect(result).toEqual({ deliveries: 2, outboxEvents: 3 });
    expect(await remaining('outbound_deliveries', 'event_id')).toEqual([e2, e3, e5, e6]);
    // e1, e2, e4 go (old, nothing pending or failed, at or below every cursor); e3 (dead letter), e5 (recent),
    // e6 (pending) and e7 (above the disabled connector's cursor) stay.
    expect(await remaining('outbox_events', 'id')).toEqual([e3, e5, e6, e7]);

    // Idempotent: a second run finds nothing.
    expect(await pruneOutboundHistory(db())).toEqual({ deliveries: 0, outboxEvents: 0 });
  });
});
