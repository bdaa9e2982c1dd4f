// Identity providers by id, through the instance's `identity-providers` cache (src/cache), for the authorization
// endpoint: it reads the app's IdP (and its sealed secrets) to start the upstream login on every sign-in.
// What a stale entry can do on another instance (within CACHE_TTL_SECONDS) is bounded: the federation callback
// reads the IdP afresh with the flow it consumes (disabled or deleted → the login is refused; new endpoints or
// client → the code exchange uses them), so it can only start an upstream login that the callback then refuses.
import { cacheOf } from '../cache/index.js';
import type { Db } from './database.js';
import type { SecretBox } from './secret-box.js';
import { findIdentityProviderWithSecrets, type IdentityProviderWithSecrets } from './identity-providers-repo.js';

export function findIdentityProviderWithSecretsCached(
  db: Db,
  secrets: SecretBox,
  id: string,
): Promise<IdentityProviderWithSecrets | undefined> {
  return cacheOf<IdentityProviderWithSecrets>(db, 'identity-providers').getOrLoad(id, () =>
    findIdentityProviderWithSecrets(db, secrets, id),
  );
}
