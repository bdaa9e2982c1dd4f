// SAML one-time use (SAML 2.0 Profiles §4.1.4.5): each assertion id is accepted once per IdP. The id is kept
// until the assertion would have expired anyway; the sweep removes it then.
import { sql } from 'drizzle-orm';
import type { Executor } from './database.js';
import { samlAssertionIds } from './schema/index.js';

/** Records the id; false when it was seen before (a replay). Atomic: two racing deliveries cannot both win. */
export async function rememberAssertionId(executor: Executor, idpId: string, assertionId: string, keepUntil: Date): Promise<boolean> {
  const inserted = await executor
    .insert(samlAssertionIds)
    .values({ idpId, assertionId, expiresAt: sql`greatest(${keepUntil.toISOString()}::timestamptz, now() + interval '10 minutes')` })
    .onConflictDoNothing()
    .returning({ id: samlAssertionIds.assertionId });
  return inserted.length > 0;
}
