// Applications by client_id, through the instance's `applications` cache (src/cache): oidc-provider reads its
// client on every request and the login pages read the app again, about five reads of one unchanged row per
// sign-in. A SAML app's sign-in reads it as the client `saml:<id>`, cached the same way. Staleness is the cache's
// stated bound (CACHE_TTL_SECONDS); admin writes call invalidateCache. Unknown client_ids are not remembered, so a
// new app works everywhere at once.
import { cacheOf } from '../cache/index.js';
import type { Db } from './database.js';
import { findApplicationByClientId, type Application } from './applications-repo.js';
import { findSamlClientApplication, isSamlClientId } from './saml-client-applications.js';

export function findApplicationByClientIdCached(db: Db, clientId: string): Promise<Application | undefined> {
  return cacheOf<Application>(db, 'applications').getOrLoad(clientId, () =>
    isSamlClientId(clientId) ? findSamlClientApplication(db, clientId) : findApplicationByClientId(db, clientId),
  );
}
