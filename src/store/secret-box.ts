// Encrypts secrets the bridge must use again (IdP client secrets, outbound credentials, private keys)
// with AES-256-GCM under SECRETS_KEY. Each sealed value is bound to its place (table, column, row id) as associated
// data, so a value copied into another row or column does not open. Sealed form: `v2.<iv>.<tag>.<ciphertext>` in
// base64url. `v1.` values (no associated data, before this binding) are re-sealed at start by resealLegacySecrets.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { AppError } from '../domain/index.js';

/** Where a sealed value lives: the associated data it is bound to. */
export interface SealedPlace {
  table: string;
  column: string;
  rowId: string;
}

/** The places of every sealed column (one function per column, by row id). */
export const sealedPlaces = {
  keyMaterial: (id: string): SealedPlace => ({ table: 'key_material', column: 'private_encrypted', rowId: id }),
  identityProvider: (id: string): SealedPlace => ({ table: 'identity_providers', column: 'secrets_encrypted', rowId: id }),
  outboundConnector: (id: string): SealedPlace => ({ table: 'outbound_connectors', column: 'secrets_encrypted', rowId: id }),
  totpSecret: (userId: string): SealedPlace => ({ table: 'mfa_totp', column: 'secret_encrypted', rowId: userId }),
  totpPending: (userId: string): SealedPlace => ({ table: 'mfa_totp', column: 'pending_secret_encrypted', rowId: userId }),
};

const associatedData = (place: SealedPlace) => Buffer.from(`jitbridge:${place.table}.${place.column}:${place.rowId}`, 'utf8');

export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the secrets key must be 32 bytes');
  }

  seal(plaintext: string, place: SealedPlace): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(associatedData(place));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v2', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  /** Opens a value sealed for this very place; one sealed elsewhere (or a `v1.` value) does not open. */
  open(sealed: string, place: SealedPlace): string {
    return this.decrypt(sealed, 'v2', place);
  }

  /** A `v1.` value (sealed without a place), for the start-up step that re-seals them. */
  openLegacy(sealed: string): string {
    return this.decrypt(sealed, 'v1', null);
  }

  sealJson(value: unknown, place: SealedPlace): string {
    return this.seal(JSON.stringify(value), place);
  }

  openJson<T>(sealed: string, place: SealedPlace): T {
    return JSON.parse(this.open(sealed, place)) as T;
  }

  private decrypt(sealed: string, expected: 'v1' | 'v2', place: SealedPlace | null): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== expected || !iv || !tag || body === undefined) {
      throw new AppError('internal', 'secret_unreadable', 'a stored secret has an unknown format');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      if (place) decipher.setAAD(associatedData(place));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new AppError(
        'internal',
        'secret_unreadable',
        'a stored secret cannot be opened (another SECRETS_KEY, or a value moved from its row)',
        [],
        { cause: error },
      );
    }
  }

  /** A 32-byte key for another purpose (such as keyed hashes), derived from SECRETS_KEY with HKDF-SHA256. */
  derivedKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), `jitbridge/${purpose}`, 32));
  }
}
