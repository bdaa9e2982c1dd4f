// Which secrets a resource holds, and whether a candidate value equals the one held. The admin API never answers a
// secret (they are write-only), so a plan cannot diff them through it: instead the value the file resolves to is
// checked against what the store keeps, as the server itself would check it (decrypted and compared for sealed
// secrets, hashed and compared for tokens, keyed-hashed and compared for client secrets). The value is never shown, only whether
// it changes.
import { timingSafeEqual } from 'node:crypto';
import { connectorFromRow } from '../outbound/index.js';
import { verifyClientSecret } from '../oidc/index.js';
import { findApplicationById, hashToken, findIdentityProviderSecrets, findConnector, findScimClientById } from '../store/index.js';
import type { Store } from '../store/index.js';
import type { SectionName } from './schema.js';

/** A held secret: a check of a candidate value against it. */
export type HeldSecret = (candidate: string) => Promise<boolean>;

const same = (a: string, b: string) => {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
};
const held = (stored: string | undefined | null): HeldSecret | undefined =>
  stored ? async (candidate) => same(candidate, stored) : undefined;

type Reader = (store: Store, id: string) => Promise<Record<string, HeldSecret | undefined>>;

/** Where each secret field of the file is kept, by section and dotted path. */
const readers: Partial<Record<SectionName, Reader>> = {
  identityProviders: async (store, id) => ({
    'oidc.clientSecret': held((await findIdentityProviderSecrets(store.db, store.secrets, id)).clientSecret),
  }),
  applications: async (store, id) => {
    const hash = (await findApplicationById(store.db, id))?.clientSecretHash;
    return { clientSecret: hash ? (candidate) => verifyClientSecret(store.secrets, hash, candidate) : undefined };
  },
  scimClients: async (store, id) => {
    const hash = (await findScimClientById(store.db, id))?.tokenHash;
    return { token: hash ? async (candidate) => same(hashToken(candidate), hash) : undefined };
  },
  outboundConnectors: async (store, id) => {
    const row = await findConnector(store.db, id);
    if (!row) return {};
    const auth = connectorFromRow(row, store.secrets).auth;
    return auth.type === 'bearer' ? { 'auth.token': held(auth.token) } : { 'auth.clientSecret': held(auth.clientSecret) };
  },
};

/** The fields (dotted paths) that have no reader here: each secret field of the schema must have one. */
export function unreadableSecretFields(section: SectionName, paths: string[]): string[] {
  const known: Record<string, string[]> = {
    identityProviders: ['oidc.clientSecret'],
    applications: ['clientSecret'],
    scimClients: ['token'],
    outboundConnectors: ['auth.token', 'auth.clientSecret'],
  };
  return paths.filter((path) => !(known[section] ?? []).includes(path));
}

/** The secrets resource `id` of `section` holds, by dotted path. */
export async function heldSecrets(store: Store, section: SectionName, id: string): Promise<Map<string, HeldSecret>> {
  const reader = readers[section];
  if (!reader) return new Map();
  const found = await reader(store, id);
  return new Map(Object.entries(found).filter((entry): entry is [string, HeldSecret] => entry[1] !== undefined));
}
