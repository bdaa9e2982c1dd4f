// The store: one database (PGlite or PostgreSQL) and the secrets box. Repositories live beside this file
// and take an `Executor` (the database or a transaction), so callers compose them in one transaction.
import type { Database, Db, Tx } from './database.js';
import type { SecretBox } from './secret-box.js';

export interface Store {
  readonly kind: Database['kind'];
  readonly db: Db;
  /** For short-lived, re-creatable login state only: commits that may be lost in a database crash (Database.ephemeralDb). */
  readonly ephemeralDb: Db;
  readonly secrets: SecretBox;
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export function createStore(database: Database, secrets: SecretBox): Store {
  return {
    kind: database.kind,
    db: database.db,
    ephemeralDb: database.ephemeralDb,
    secrets,
    transaction: (work) => database.db.transaction(work),
    ping: () => database.ping(),
    close: () => database.close(),
  };
}

export type { Db, Executor, Tx } from './database.js';
