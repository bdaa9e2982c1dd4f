// Applications by client_id, through the instance's `applications` cache (src/cache): oidc-provider reads its
// client on every request and the login pages read the app again, about five reads of one unchanged row per
// sign-in. Staleness is the cache's stated bound (CACHE_TTL_SECONDS); admin writes call invalidateCache.
// Unknown client_ids are not remembered, so a new app works everywhere at once.
import { cacheOf } from '../cache/index.js';
import type { Db } from './database.js';
import { findApplicationByClientId, type Application } from './applications-repo.js';

export function findApplicationByClientIdCached(db: Db, clientId: string): Promise<Application | undefined> {
  return cacheOf<Application>(db, 'applications').getOrLoad(clientId, () => findApplicationByClientId(db, clientId));
}
