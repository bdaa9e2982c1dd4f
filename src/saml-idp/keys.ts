// The SAML IdP's signing keys: RSA (2048 or 3072 bits) with a self-signed X.509 certificate, RSA-SHA256 only.
// Three roles: `current` signs; `next` is published in metadata ahead of use so SPs that read metadata learn it
// before it signs anything; a rotated-out `previous` key stays published for an overlap window. Private keys are
// sealed with the store's SecretBox like the OpenID Provider's (src/oidc/keys.ts); the public JWK keeps the
// certificate in `x5c`.
import { randomBytes, X509Certificate } from 'node:crypto';
import type { Store } from '../store/index.js';
import {
  insertKeys,
  listPublishedKeys,
  lockKeyGeneration,
  retireActiveKeys,
  setKeyStatus,
  type KeyRow,
  type NewKey,
} from '../store/index.js';
import { certificateInfo, selfSignedKey, toPem, type CertificateInfo } from './certificates.js';

export const SAML_IDP_KEY_PURPOSE = 'saml-idp-signing';
/** The HMAC key of persistent pairwise NameIDs; it never rotates (a new key would change every NameID). */
export const SAML_IDP_PAIRWISE_PURPOSE = 'saml-idp-pairwise';
export const SAML_KEY_SIZES = [2048, 3072] as const;
export type SamlKeySize = (typeof SAML_KEY_SIZES)[number];
/** Default overlap: a rotated-out key stays in metadata for a day. */
export const DEFAULT_KEEP_PREVIOUS_SECONDS = 24 * 3600;
const CERTIFICATE_YEARS = 5;

export interface SamlSigningKey {
  kid: string;
  certificatePem: string;
  /** Only for the current key. */
  privateKeyPem?: string;
}

export interface SamlIdpKeys {
  current: SamlSigningKey & { privateKeyPem: string };
  next: SamlSigningKey | null;
  previous: SamlSigningKey[];
  pairwiseKey: Buffer;
}

/** A fresh RSA key with its self-signed certificate, sealed for the store. */
async function newSigningKey(store: Store, bits: SamlKeySize): Promise<NewKey> {
  const { privateKeyPem, certificatePem, publicKey } = await selfSignedKey({
    bits,
    commonName: 'jitbridge SAML IdP',
    organization: 'jitbridge',
    years: CERTIFICATE_YEARS,
  });
  const kid = randomBytes(12).toString('base64url');
  const der = new X509Certificate(certificatePem).raw.toString('base64');
  return {
    id: kid,
    purpose: SAML_IDP_KEY_PURPOSE,
    algorithm: 'RS256',
    privateEncrypted: store.secrets.seal(privateKeyPem),
    publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig', x5c: [der] },
  };
}

const certificateOf = (row: KeyRow) => toPem((row.publicJwk as { x5c: string[] }).x5c[0]!);

/** Creates the current and the next key when missing. Safe on every start and on several instances at once. */
export async function ensureSamlIdpKeys(store: Store, bits: SamlKeySize = 2048): Promise<void> {
  const complete = (rows: KeyRow[], pairwise: KeyRow[]) =>
    rows.some((k) => k.status === 'active') && rows.some((k) => k.status === 'next') && pairwise.length > 0;
  const read = async (executor: Store['db']) =>
    [await listPublishedKeys(executor, SAML_IDP_KEY_PURPOSE), await listPublishedKeys(executor, SAML_IDP_PAIRWISE_PURPOSE)] as const;
  if (complete(...(await read(store.db)))) return;
  const fresh = [await newSigningKey(store, bits), await newSigningKey(store, bits)];
  await store.transaction(async (tx) => {
    await lockKeyGeneration(tx);
    const [rows, pairwise] = await read(tx);
    const missing: NewKey[] = [];
    if (!rows.some((k) => k.status === 'active')) missing.push(fresh[0]!);
    if (!rows.some((k) => k.status === 'next')) missing.push({ ...fresh[1]!, status: 'next' });
    if (pairwise.length === 0) {
      const id = randomBytes(12).toString('base64url');
      missing.push({
        id,
        purpose: SAML_IDP_PAIRWISE_PURPOSE,
        algorithm: 'HS256',
        privateEncrypted: store.secrets.seal(randomBytes(32).toString('base64url')),
      });
    }
    await insertKeys(tx, missing);
  });
}

export async function loadSamlIdpKeys(store: Store): Promise<SamlIdpKeys> {
  await ensureSamlIdpKeys(store);
  const rows = await listPublishedKeys(store.db, SAML_IDP_KEY_PURPOSE);
  const current = rows.find((k) => k.status === 'active')!;
  const next = rows.find((k) => k.status === 'next');
  const pairwise = (await listPublishedKeys(store.db, SAML_IDP_PAIRWISE_PURPOSE)).at(-1)!;
  return {
    pairwiseKey: Buffer.from(store.secrets.open(pairwise.privateEncrypted), 'base64url'),
    current: { kid: current.id, certificatePem: certificateOf(current), privateKeyPem: store.secrets.open(current.privateEncrypted) },
    next: next ? { kid: next.id, certificatePem: certificateOf(next) } : null,
    previous: rows.filter((k) => k.status === 'retired').map((k) => ({ kid: k.id, certificatePem: certificateOf(k) })),
  };
}

/** Every certificate metadata publishes: current, next, then previous ones inside their overlap window. */
export const publishedCertificates = (keys: SamlIdpKeys) =>
  [keys.current, ...(keys.next ? [keys.next] : []), ...keys.previous].map((k) => k.certificatePem);

export interface SamlKeyView {
  kid: string;
  status: 'current' | 'next' | 'previous';
  algorithm: 'RSA-SHA256';
  keyBits: number | null;
  certificate: string;
  certificateInfo: CertificateInfo | null;
  createdAt: string;
  publishUntil: string | null;
}

export async function listSamlIdpKeys(store: Store): Promise<SamlKeyView[]> {
  await ensureSamlIdpKeys(store);
  const rows = await listPublishedKeys(store.db, SAML_IDP_KEY_PURPOSE);
  const order = { active: 0, next: 1, retired: 2 } as Record<string, number>;
  return rows
    .sort((a, b) => (order[a.status] ?? 3) - (order[b.status] ?? 3))
    .map((k) => {
      const certificate = certificateOf(k);
      const info = certificateInfo(certificate);
      return {
        kid: k.id,
        status: k.status === 'active' ? 'current' : k.status === 'next' ? 'next' : 'previous',
        algorithm: 'RSA-SHA256',
        keyBits: info?.keyBits ?? null,
        certificate,
        certificateInfo: info,
        createdAt: k.createdAt.toISOString(),
        publishUntil: k.publishUntil ? k.publishUntil.toISOString() : null,
      };
    });
}

/**
 * Rotation: the next key (already in every SP that reads metadata) starts signing, the current one becomes the
 * previous and stays published for `keepPreviousSeconds`, and a new next key is made.
 */
export async function rotateSamlIdpKeys(store: Store, options: { keepPreviousSeconds: number; keyBits: SamlKeySize }): Promise<void> {
  await ensureSamlIdpKeys(store);
  const fresh = await newSigningKey(store, options.keyBits);
  await store.transaction(async (tx) => {
    await lockKeyGeneration(tx);
    await retireActiveKeys(tx, SAML_IDP_KEY_PURPOSE, null, options.keepPreviousSeconds);
    await setKeyStatus(tx, SAML_IDP_KEY_PURPOSE, 'next', 'active');
    await insertKeys(tx, [{ ...fresh, status: 'next' }]);
  });
}
