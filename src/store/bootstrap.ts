// First-start and every-start set-up of the store: the PRIMARY user store, the settings row, the
// secrets key check and the admin token.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { defaultSettings } from '../domain/index.js';
import { recordAudit } from './audit-repo.js';
import type { Db } from './database.js';
import { generateToken, hashToken } from './hashing.js';
import { adminCredentials, keyMaterial, serverSettings } from './schema/index.js';
import { sealedPlaces, SecretBox } from './secret-box.js';
import { ensurePrimaryUserStore } from './user-stores-repo.js';

export class SecretsKeyMismatchError extends Error {
  override name = 'SecretsKeyMismatchError';
}

const KEY_CHECK_ID = 'secrets-key-check';
const KEY_CHECK_PLAINTEXT = 'jitbridge secrets key check';

/** The secrets key from config, else the one kept in DATA_DIR (generated on first start, mode 0600). */
export async function loadSecretsKey(configured: Buffer | undefined, dataDir: string): Promise<Buffer> {
  if (configured) return configured;
  const file = path.resolve(dataDir, 'secrets.key');
  try {
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(path.dirname(file), { recursive: true });
  const key = randomBytes(32);
  await writeFile(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return key;
}

/**
 * Proves the key opens what this database holds: a value sealed on first start must open. A wrong key
 * would otherwise show up much later, as IdP logins failing to decrypt their client secrets.
 */
export async function checkSecretsKey(db: Db, box: SecretBox): Promise<void> {
  const [row] = await db.select().from(keyMaterial).where(eq(keyMaterial.id, KEY_CHECK_ID));
  if (!row) {
    await db
      .insert(keyMaterial)
      .values({
        id: KEY_CHECK_ID,
        purpose: 'secrets-check',
        algorithm: 'A256GCM',
        privateEncrypted: box.seal(KEY_CHECK_PLAINTEXT, sealedPlaces.keyMaterial(KEY_CHECK_ID)),
      })
      .onConflictDoNothing();
    return;
  }
  let opened: string | null = null;
  try {
    // A v1 value is from before sealed values were bound to their place; resealLegacySecrets re-seals it next.
    opened = row.privateEncrypted.startsWith('v1.')
      ? box.openLegacy(row.privateEncrypted)
      : box.open(row.privateEncrypted, sealedPlaces.keyMaterial(KEY_CHECK_ID));
  } catch {
    opened = null;
  }
  if (opened !== KEY_CHECK_PLAINTEXT) {
    throw new SecretsKeyMismatchError(
      'SECRETS_KEY does not match the key this database was set up with (set the same SECRETS_KEY on every instance)',
    );
  }
}

export interface AdminTokenState {
  /** The stored hash every admin request is checked against. */
  tokenHash: string;
  /** Set only when this start generated the token: print it once, it is never shown again. */
  generatedToken: string | null;
}

/** ADMIN_TOKEN from config replaces the stored one; with none stored and none configured, one is generated. */
export async function ensureAdminToken(db: Db, configured: string | undefined): Promise<AdminTokenState> {
  if (configured) {
    const tokenHash = hashToken(configured);
    await db.insert(adminCredentials).values({ id: 1, tokenHash }).onConflictDoUpdate({ target: adminCredentials.id, set: { tokenHash } });
    return { tokenHash, generatedToken: null };
  }
  const [existing] = await db.select().from(adminCredentials).where(eq(adminCredentials.id, 1));
  if (existing) return { tokenHash: existing.tokenHash, generatedToken: null };
  const token = generateToken('jba_');
  const inserted = await db
    .insert(adminCredentials)
    .values({ id: 1, tokenHash: hashToken(token) })
    .onConflictDoNothing()
    .returning();
  if (inserted.length === 0) {
    // Another instance generated one at the same moment; it printed it.
    const [row] = await db.select().from(adminCredentials).where(eq(adminCredentials.id, 1));
    return { tokenHash: row!.tokenHash, generatedToken: null };
  }
  return { tokenHash: hashToken(token), generatedToken: token };
}

/** A new admin token replaces the stored one (`jitbridge admin-token rotate`); returned once, only its hash is kept. */
export async function rotateAdminToken(db: Db, actorId: string): Promise<string> {
  const token = generateToken('jba_');
  const tokenHash = hashToken(token);
  await db.transaction(async (tx) => {
    await tx.insert(adminCredentials).values({ id: 1, tokenHash }).onConflictDoUpdate({ target: adminCredentials.id, set: { tokenHash } });
    await recordAudit(tx, { actorType: 'admin', actorId, action: 'admin_token.rotate', targetType: 'admin_token', outcome: 'success' });
  });
  return token;
}

export async function ensureDefaults(db: Db): Promise<void> {
  await ensurePrimaryUserStore(db);
  await db.insert(serverSettings).values({ id: 1, document: defaultSettings() }).onConflictDoNothing();
}
