// Provisioning context tokens: the HMAC key that signs them (kept sealed in key_material, one per
// deployment, shared by every instance) and the ids of tokens already redeemed (single use).
import { randomBytes } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Executor } from './database.js';
import { keyMaterial, usedContextTokens } from './schema/index.js';
import { sealedPlaces, type SecretBox } from './secret-box.js';

/**
 * A 256-bit secret for a purpose, made on first use. The row id is fixed per purpose, so instances
 * starting together agree on one key (the second insert does nothing and both read the winner's).
 */
export async function ensureServerSecret(
  executor: Executor,
  secrets: SecretBox,
  purpose: string,
): Promise<{ kid: string; secret: Buffer }> {
  const kid = `${purpose}-1`;
  await executor
    .insert(keyMaterial)
    .values({
      id: kid,
      purpose,
      algorithm: 'HS256',
      privateEncrypted: secrets.seal(randomBytes(32).toString('base64url'), sealedPlaces.keyMaterial(kid)),
    })
    .onConflictDoNothing();
  const [row] = await executor
    .select()
    .from(keyMaterial)
    .where(and(eq(keyMaterial.id, kid), eq(keyMaterial.purpose, purpose)));
  if (!row) throw new Error(`key material ${kid} is missing after insert`);
  return { kid, secret: Buffer.from(secrets.open(row.privateEncrypted, sealedPlaces.keyMaterial(kid)), 'base64url') };
}

/** Marks a token id used; false when it was used before (a replay). */
export async function markContextTokenUsed(executor: Executor, jti: string, expiresAt: Date): Promise<boolean> {
  const inserted = await executor
    .insert(usedContextTokens)
    .values({ jti, expiresAt })
    .onConflictDoNothing()
    .returning({ jti: usedContextTokens.jti });
  return inserted.length === 1;
}

export async function isContextTokenUsed(executor: Executor, jti: string): Promise<boolean> {
  const [row] = await executor.select({ jti: usedContextTokens.jti }).from(usedContextTokens).where(eq(usedContextTokens.jti, jti));
  return Boolean(row);
}

/** Forgets ids of tokens that have expired anyway (idempotent). */
export async function sweepUsedContextTokens(executor: Executor): Promise<void> {
  await executor.execute(sql`delete from used_context_tokens where expires_at < now()`);
}
