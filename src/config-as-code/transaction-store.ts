// A Store bound to one open transaction: every read and write through it joins that transaction, and a
// transaction begun through it becomes a savepoint inside (drizzle nests transactions as savepoints). The admin
// API built over it therefore writes nothing that outlives the engine's transaction.
import type { Db, Store, Tx } from '../store/index.js';

export function transactionStore(store: Store, tx: Tx): Store {
  return {
    kind: store.kind,
    // A transaction runs every query a Db runs; only the handle differs.
    db: tx as unknown as Db,
    secrets: store.secrets,
    transaction: (work) => tx.transaction(work),
    ping: () => store.ping(),
    close: async () => {
      throw new Error('a transaction-bound store is closed by its owner');
    },
  };
}
