// The start-up step that binds sealed values sealed before v2 to their place: every `v1.` value (AES-256-GCM without
// associated data) is opened and sealed again as `v2.` with its table, column and row id. It needs SECRETS_KEY, which
// SQL migrations do not have, so it runs at start after the migrations and the key check, in one transaction under
// the migration lock: instances starting together re-seal once, and a second run finds nothing left (idempotent).
import { sql } from 'drizzle-orm';
import { holdMigrationLock, queryRows, type Tx } from './database.js';
import type { SealedPlace, SecretBox } from './secret-box.js';
import { sealedPlaces } from './secret-box.js';

const SEALED_COLUMNS: Array<{ table: string; idColumn: string; column: string; place: (id: string) => SealedPlace }> = [
  { table: 'key_material', idColumn: 'id', column: 'private_encrypted', place: sealedPlaces.keyMaterial },
  { table: 'identity_providers', idColumn: 'id', column: 'secrets_encrypted', place: sealedPlaces.identityProvider },
  { table: 'outbound_connectors', idColumn: 'id', column: 'secrets_encrypted', place: sealedPlaces.outboundConnector },
  { table: 'mfa_totp', idColumn: 'user_id', column: 'secret_encrypted', place: sealedPlaces.totpSecret },
  { table: 'mfa_totp', idColumn: 'user_id', column: 'pending_secret_encrypted', place: sealedPlaces.totpPending },
];

/** Re-seals every `v1.` value in place; returns how many were re-sealed. */
export async function resealLegacySecrets(
  store: { transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> },
  box: SecretBox,
): Promise<number> {
  return store.transaction(async (tx) => {
    await holdMigrationLock(tx);
    let count = 0;
    for (const { table, idColumn, column, place } of SEALED_COLUMNS) {
      const found = await queryRows<{ id: string; sealed: string }>(
        tx,
        sql`select ${sql.identifier(idColumn)}::text as id, ${sql.identifier(column)} as sealed
            from ${sql.identifier(table)} where ${sql.identifier(column)} like 'v1.%'`,
      );
      for (const { id, sealed } of found) {
        const resealed = box.seal(box.openLegacy(sealed), place(id));
        await tx.execute(
          sql`update ${sql.identifier(table)} set ${sql.identifier(column)} = ${resealed}
              where ${sql.identifier(idColumn)}::text = ${id} and ${sql.identifier(column)} = ${sealed}`,
        );
        count++;
      }
    }
    return count;
  });
}
