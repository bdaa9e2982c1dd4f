// Applications by client_id, remembered for a few seconds per database handle (one app instance): oidc-provider
// reads its client on every request and the login pages read the app again, about five reads of one unchanged
// row per sign-in.
//
// The window: an admin write through this instance forgets the cache at once; another instance on the same
// database sees the change within TTL_MS (a deleted app, a removed redirect URI or a rotated secret still
// works there for at most that long), which is the price of not asking PostgreSQL on every request. Unknown
// client_ids are not remembered, so a new app works everywhere at once.
import type { Db } from './database.js';
import { findApplicationByClientId, type Application } from './applications-repo.js';
import { findSamlClientApplication, isSamlClientId } from './saml-client-applications.js';

const TTL_MS = 5_000;
const MAX_ENTRIES = 1_000;

const caches = new WeakMap<Db, Map<string, { app: Application; until: number }>>();

export async function findApplicationByClientIdCached(db: Db, clientId: string): Promise<Application | undefined> {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  const hit = cache.get(clientId);
  if (hit && hit.until > Date.now()) return hit.app;
  const app = isSamlClientId(clientId) ? await findSamlClientApplication(db, clientId) : await findApplicationByClientId(db, clientId);
  if (!app) {
    cache.delete(clientId);
    return undefined;
  }
  if (cache.size >= MAX_ENTRIES) cache.clear();
  cache.set(clientId, { app, until: Date.now() + TTL_MS });
  return app;
}

/** After a write to applications through this instance. */
export function forgetCachedApplications(db: Db): void {
  caches.get(db)?.clear();
}
