// One run of the engine inside one database transaction: the admin API client bound to it, savepoints for trials
// (rolled back) and for each request (so that a refused request leaves the transaction usable).
import type { Store, Tx } from '../store/index.js';
import { transactionStore } from './transaction-store.js';
import type { AdminBinding, AdminClient, AdminResponse, ConfigActor } from './types.js';

type Method = Parameters<AdminClient['request']>[0];

const ROLLBACK = Symbol('rollback');

class Refused extends Error {
  constructor(readonly response: AdminResponse) {
    super(`refused with ${response.status}`);
  }
}

export class Session {
  private slot: { store: Store; tx: Tx };
  readonly client: AdminClient;

  constructor(
    private readonly root: Store,
    tx: Tx,
    admin: AdminBinding,
    actor: ConfigActor,
  ) {
    this.slot = { store: transactionStore(root, tx), tx };
    this.client = admin.clientFor(() => this.slot.store, actor);
  }

  /** The store of the innermost savepoint (for reads outside the admin API: held secrets). */
  get store(): Store {
    return this.slot.store;
  }

  get tx(): Tx {
    return this.slot.tx;
  }

  /** Runs `work` in a savepoint: kept when it returns, rolled back when it throws. */
  async savepoint<T>(work: () => Promise<T>): Promise<T> {
    const outer = this.slot;
    return outer.tx.transaction(async (inner) => {
      this.slot = { store: transactionStore(this.root, inner), tx: inner };
      try {
        return await work();
      } finally {
        this.slot = outer;
      }
    });
  }

  /** Runs `work` in a savepoint that is always rolled back, and returns what it returned. */
  async trial<T>(work: () => Promise<T>): Promise<T> {
    let result: T | undefined;
    try {
      await this.savepoint(async () => {
        result = await work();
        throw ROLLBACK;
      });
    } catch (error) {
      if (error !== ROLLBACK) throw error;
    }
    return result as T;
  }

  /** A request to the admin API; a refused one (4xx) is rolled back on its own and answered. */
  async send(method: Method, path: string, body?: unknown): Promise<AdminResponse> {
    try {
      return await this.savepoint(async () => {
        const response = await this.client.request(method, path, body);
        if (response.status >= 400) throw new Refused(response);
        return response;
      });
    } catch (error) {
      if (error instanceof Refused) return error.response;
      throw error;
    }
  }
}
