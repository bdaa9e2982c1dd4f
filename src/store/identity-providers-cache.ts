// Identity providers by id, remembered for a few seconds per database handle (one app instance), for the
// authorization endpoint: it reads the app's IdP (and its sealed secrets) to start the upstream login on every
// sign-in, and the row rarely changes.
//
// The window, as for applications (applications-cache.ts): an admin write through this instance forgets the cache
// at once; another instance sees the change within TTL_MS. What a stale entry can do there is bounded: the
// federation callback reads the IdP afresh with the flow it consumes (disabled or deleted → the login is refused;
// new endpoints or client → the code exchange uses them), so a stale entry can only start an upstream login that
// the callback then refuses. Unknown ids are not remembered.
import type { Db } from './database.js';
import type { SecretBox } from './secret-box.js';
import { findIdentityProviderWithSecrets, type IdentityProviderWithSecrets } from './identity-providers-repo.js';

const TTL_MS = 5_000;
const MAX_ENTRIES = 1_000;

const caches = new WeakMap<Db, Map<string, { idp: IdentityProviderWithSecrets; until: number }>>();

export async function findIdentityProviderWithSecretsCached(
  db: Db,
  secrets: SecretBox,
  id: string,
): Promise<IdentityProviderWithSecrets | undefined> {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  const hit = cache.get(id);
  if (hit && hit.until > Date.now()) return hit.idp;
  const idp = await findIdentityProviderWithSecrets(db, secrets, id);
  if (!idp) {
    cache.delete(id);
    return undefined;
  }
  if (cache.size >= MAX_ENTRIES) cache.clear();
  cache.set(id, { idp, until: Date.now() + TTL_MS });
  return idp;
}

/** After a write to identity providers through this instance. */
export function forgetCachedIdentityProviders(db: Db): void {
  caches.get(db)?.clear();
}
