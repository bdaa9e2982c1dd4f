// What the second factors need of the store: the database, the secrets box (TOTP secrets are sealed) and
// transactions. Its own file so that the factors can share it without importing one another.
import type { Store } from '../../store/index.js';

export type MfaStore = Pick<Store, 'db' | 'secrets' | 'transaction'>;
