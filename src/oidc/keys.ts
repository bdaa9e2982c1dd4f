// The OpenID Provider's keys, kept in the store: token signing keys (RS256 and ES256, RFC 7518 §3.3/§3.4),
// cookie signing keys, and the HMAC key of pairwise subjects. Generated on first start by whichever
// instance gets the advisory lock first; private parts sealed with the secrets key (AES-256-GCM).
import { generateKeyPair, randomBytes, type JsonWebKey } from 'node:crypto';
import { promisify } from 'node:util';
import {
  type Store,
  insertKeys,
  sealedPlaces,
  listLiveKeys,
  lockKeyGeneration,
  retireActiveKeys,
  type KeyRow,
  type NewKey,
} from '../store/index.js';

const generate = promisify(generateKeyPair);

export const SIGNING_PURPOSE = 'oidc-signing';
export const COOKIE_PURPOSE = 'oidc-cookie';
export const PAIRWISE_PURPOSE = 'oidc-pairwise';
export const OIDC_KEY_PURPOSES = [SIGNING_PURPOSE, COOKIE_PURPOSE, PAIRWISE_PURPOSE];
export const SIGNING_ALGORITHMS = ['RS256', 'ES256'] as const;

export interface ProviderKeys {
  /** Private JWKs: active keys first (oidc-provider signs with the first of an algorithm), then retired ones. */
  jwks: { keys: JsonWebKey[] };
  /** Newest first: the first signs cookies, all verify. */
  cookieKeys: string[];
  pairwiseKey: Buffer;
}

const kid = () => randomBytes(12).toString('base64url');

async function newSigningKey(store: Store, alg: (typeof SIGNING_ALGORITHMS)[number]): Promise<NewKey> {
  const pair = alg === 'RS256' ? await generate('rsa', { modulusLength: 2048 }) : await generate('ec', { namedCurve: 'P-256' });
  const id = kid();
  const privateJwk = { ...pair.privateKey.export({ format: 'jwk' }), kid: id, alg, use: 'sig' };
  const publicJwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: id, alg, use: 'sig' };
  return {
    id,
    purpose: SIGNING_PURPOSE,
    algorithm: alg,
    privateEncrypted: store.secrets.sealJson(privateJwk, sealedPlaces.keyMaterial(id)),
    publicJwk,
  };
}

const newSecretKey = (store: Store, purpose: string): NewKey => {
  const id = kid();
  return {
    id,
    purpose,
    algorithm: 'HS256',
    privateEncrypted: store.secrets.seal(randomBytes(32).toString('base64url'), sealedPlaces.keyMaterial(id)),
  };
};

/** Creates whatever key is missing. Safe to run on every start and on several instances at once. */
export async function ensureProviderKeys(store: Store): Promise<void> {
  const complete = (live: KeyRow[]) => {
    const active = live.filter((k) => k.status === 'active');
    return (
      SIGNING_ALGORITHMS.every((alg) => active.some((k) => k.purpose === SIGNING_PURPOSE && k.algorithm === alg)) &&
      active.some((k) => k.purpose === COOKIE_PURPOSE) &&
      active.some((k) => k.purpose === PAIRWISE_PURPOSE)
    );
  };
  if (complete(await listLiveKeys(store.db, OIDC_KEY_PURPOSES))) return;
  await store.transaction(async (tx) => {
    await lockKeyGeneration(tx);
    const active = (await listLiveKeys(tx, OIDC_KEY_PURPOSES)).filter((k) => k.status === 'active');
    const missing: NewKey[] = [];
    for (const alg of SIGNING_ALGORITHMS) {
      if (!active.some((k) => k.purpose === SIGNING_PURPOSE && k.algorithm === alg)) missing.push(await newSigningKey(store, alg));
    }
    if (!active.some((k) => k.purpose === COOKIE_PURPOSE)) missing.push(newSecretKey(store, COOKIE_PURPOSE));
    if (!active.some((k) => k.purpose === PAIRWISE_PURPOSE)) missing.push(newSecretKey(store, PAIRWISE_PURPOSE));
    await insertKeys(tx, missing);
  });
}

export async function loadProviderKeys(store: Store): Promise<ProviderKeys> {
  const live = await listLiveKeys(store.db, OIDC_KEY_PURPOSES);
  const signing = live.filter((k) => k.purpose === SIGNING_PURPOSE);
  const cookies = live.filter((k) => k.purpose === COOKIE_PURPOSE);
  // The pairwise key never rotates (a new key would change every pairwise subject): the oldest active one.
  const pairwise = live.filter((k) => k.purpose === PAIRWISE_PURPOSE && k.status === 'active').at(-1);
  if (!pairwise || signing.length === 0 || cookies.length === 0)
    throw new Error('OpenID Provider keys are missing; ensureProviderKeys first');
  return {
    jwks: { keys: signing.map((k) => store.secrets.openJson<JsonWebKey>(k.privateEncrypted, sealedPlaces.keyMaterial(k.id))) },
    cookieKeys: cookies.map((k) => store.secrets.open(k.privateEncrypted, sealedPlaces.keyMaterial(k.id))),
    pairwiseKey: Buffer.from(store.secrets.open(pairwise.privateEncrypted, sealedPlaces.keyMaterial(pairwise.id)), 'base64url'),
  };
}

/** Public signing keys as published at the JWKS endpoint (admin API listing). */
export async function listSigningKeys(store: Store) {
  const live = await listLiveKeys(store.db, [SIGNING_PURPOSE, COOKIE_PURPOSE]);
  return live.map((k) => ({
    kid: k.id,
    purpose: k.purpose === SIGNING_PURPOSE ? ('signing' as const) : ('cookie' as const),
    algorithm: k.algorithm,
    status: k.status as 'active' | 'retired',
    createdAt: k.createdAt.toISOString(),
    publishUntil: k.publishUntil ? k.publishUntil.toISOString() : null,
  }));
}

/**
 * New signing keys (one per algorithm) take over; the old ones stay published for `keepSeconds`
 * (the longest lifetime of a token they signed), so relying parties can still verify those tokens.
 */
export async function rotateSigningKeys(store: Store, keepSeconds: number): Promise<void> {
  const fresh = await Promise.all(SIGNING_ALGORITHMS.map((alg) => newSigningKey(store, alg)));
  await store.transaction(async (tx) => {
    await lockKeyGeneration(tx);
    await retireActiveKeys(tx, SIGNING_PURPOSE, null, keepSeconds);
    await insertKeys(tx, fresh);
  });
}

/** A new cookie key signs from now on; the old one still verifies cookies for `keepSeconds` (session lifetime). */
export async function rotateCookieKeys(store: Store, keepSeconds: number): Promise<void> {
  await store.transaction(async (tx) => {
    await lockKeyGeneration(tx);
    await retireActiveKeys(tx, COOKIE_PURPOSE, null, keepSeconds);
    await insertKeys(tx, [newSecretKey(store, COOKIE_PURPOSE)]);
  });
}
