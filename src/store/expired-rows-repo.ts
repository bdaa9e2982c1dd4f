// The delete statements of the expired-state sweep: short-lived protocol state past its expiry. The sweep itself
// (when it runs) is in src/background/. Idempotent: any instance may run it at any time.
import { sql } from 'drizzle-orm';
import type { Db } from './database.js';
import { deleteExpiredReadPositions } from './scim-paging.js';
import { deleteOldRateLimitWindows } from './rate-limit-repo.js';

export async function sweepExpired(db: Db): Promise<void> {
  await db.execute(sql`delete from oidc_payloads where expires_at < now()`);
  await db.execute(sql`delete from federation_flows where expires_at < now()`);
  await db.execute(sql`delete from saml_assertion_ids where expires_at < now()`);
  await db.execute(sql`delete from login_results where expires_at < now()`);
  await db.execute(sql`delete from saml_idp_messages where expires_at < now()`);
  await db.execute(sql`delete from saml_idp_sessions where expires_at < now()`);
  // Rotated-out OpenID Provider and SAML IdP keys once every token, cookie or message they signed has expired.
  await db.execute(
    sql`delete from key_material where purpose in ('oidc-signing', 'oidc-cookie', 'saml-idp-signing') and status = 'retired' and publish_until <= now()`,
  );
  // Where SCIM reads left off, for reads not continued within the hour.
  await deleteExpiredReadPositions(db);
  await db.execute(sql`delete from jobs where status = 'done' and updated_at < now() - interval '7 days'`);
  await deleteOldRateLimitWindows(db);
}
