// Hashes for secrets the server only checks. Random bearer tokens (256 bits) take SHA-256 and a
// constant-time compare; client secrets take a keyed hash (HMAC-SHA256 under a key derived from SECRETS_KEY) and a
// constant-time compare; passwords people choose take scrypt, under the process-wide limit of password-hash-slots.ts.
import { createHmac, hash, randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { SecretBox } from './secret-box.js';
import { withPasswordHashSlot } from './password-hash-slots.js';

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, keylen: number, options: object) => Promise<Buffer>;

/** A new random bearer token with a recognisable prefix (`jbs_` SCIM, `jba_` admin, ...). */
export function generateToken(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/** SHA-256 of the token (UTF-8), hex. One-shot `hash`: no Hash object per call (this runs on every SCIM request). */
export function hashToken(token: string): string {
  return hash('sha256', token, 'hex');
}

/** Constant-time check of a presented token against a stored SHA-256 hex digest. */
export function tokenMatches(presented: string, storedHash: string): boolean {
  const a = Buffer.from(hashToken(presented), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

const CLIENT_SECRET_SCHEME = 'hmac-sha256';
const clientSecretKeys = new WeakMap<SecretBox, Buffer>();

/**
 * `hmac-sha256$<digest>` of a client secret. Cheap (a wrong secret costs as little as a right one) and safe for
 * secrets jitbridge generates (256 random bits); keyed, so a copy of the database alone does not allow guessing an
 * operator-supplied secret offline. Deterministic: the OIDC edge hashes the presented secret and oidc-provider
 * compares the two digests (src/oidc/client-secret-digest.ts).
 */
export function hashClientSecret(secrets: SecretBox, secret: string): string {
  let key = clientSecretKeys.get(secrets);
  if (!key) clientSecretKeys.set(secrets, (key = secrets.derivedKey('client-secret')));
  return `${CLIENT_SECRET_SCHEME}$${createHmac('sha256', key).update(secret, 'utf8').digest('base64url')}`;
}

/** Whether a stored client secret hash is still in the scrypt format of earlier versions (checked on the slow path). */
export function isScryptHash(stored: string): boolean {
  return stored.startsWith('scrypt$');
}

/** Constant-time check of a presented client secret against a stored hash in either format. */
export async function clientSecretMatches(secrets: SecretBox, presented: string, stored: string): Promise<boolean> {
  if (isScryptHash(stored)) return verifyPassword(presented, stored);
  const a = Buffer.from(hashClientSecret(secrets, presented), 'utf8');
  const b = Buffer.from(stored, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

// scrypt with N=2^17, r=8, p=1 (OWASP's recommended minimum, 128 MiB). The parameters are kept in the
// stored string so they can rise later without invalidating existing hashes.
const SCRYPT = { N: 2 ** 17, r: 8, p: 1, keylen: 32, maxmem: 256 * 1024 * 1024 };

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64url. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await withPasswordHashSlot(() =>
    scrypt(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: SCRYPT.maxmem }),
  );
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await withPasswordHashSlot(() =>
    scrypt(password, Buffer.from(salt, 'base64url'), expected.length, {
      N: Number(n),
      r: Number(r),
      p: Number(p),
      maxmem: SCRYPT.maxmem,
    }),
  );
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
