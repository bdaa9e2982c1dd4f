// What the storage adapter keeps for the length of one request to the OpenID Provider, so that a request
// costs fewer database round trips without keeping any state past it:
// - deferred writes: oidc-provider saves a login's models one after another (the resume saves the session, the
//   grant and the code; the token endpoint the access and the refresh token), each awaited. Those upserts are
//   held here and written together in one statement, before the adapter's next read, consume, destroy or
//   revocation (so the order of operations on the database is kept) and at the latest when the request's
//   middleware ends, before the response leaves. A browser or app that acts on the response finds them on any
//   instance. Other writes the request's answer depends on may join (`alongside`: the authorization endpoint's
//   upstream flow, when it starts the upstream login itself): they run beside that statement, not after it. A
//   delete may be held too (`deferDestroy`: the interaction the resume ends), and goes into the same statement.
// - prefetched reads: rows read ahead in the statement of an earlier read of the same request (the token
//   endpoint reads the code, then its session, its grant and its account: one statement reads all four; the
//   resume reads the interaction, then the account its login names: one statement), each handed out once.
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import type { OidcPayload, PayloadToDelete, PayloadToWrite } from '../store/index.js';

/** Writes held upserts and deletes (of different rows) together: one statement, one commit. */
export type ScopeWriter = (upserts: PayloadToWrite[], deletes: PayloadToDelete[]) => Promise<void>;

const SCOPE = Symbol('jitbridge.requestScope');

const keyOf = (model: string, id: string) => `${model}\0${id}`;

export class RequestScope {
  readonly #pending = new Map<string, PayloadToWrite>();
  /** Deletes held, by the key of the row they delete. */
  readonly #destroys = new Map<string, PayloadToDelete>();
  readonly #prefetched = new Map<string, unknown>();
  #alongside: Array<() => Promise<void>> = [];

  constructor(private readonly write: ScopeWriter) {}

  /**
   * Holds an upsert; a later one of the same (model, id) replaces it, as it would replace the row. It also replaces
   * a delete of that row held before it: the upsert writes every column, so the row ends as delete-then-insert
   * would leave it.
   */
  defer(row: PayloadToWrite): void {
    const key = keyOf(row.model, row.id);
    this.#destroys.delete(key);
    this.#pending.set(key, row);
  }

  /**
   * Holds the delete of one row until the next flush, which writes it in the upserts' statement: an upsert of that
   * row held before it is dropped (the row is deleted, as it would have been after the upsert).
   */
  deferDestroy(model: string, id: string): void {
    const key = keyOf(model, id);
    this.#pending.delete(key);
    this.#destroys.set(key, { model, id });
  }

  /** Holds another write, of rows no model read depends on, until the next flush. */
  alongside(write: () => Promise<void>): void {
    this.#alongside.push(write);
  }

  /** Writes what is held: the upserts and deletes in one statement, the other writes beside it. */
  async flush(): Promise<void> {
    if (this.#pending.size === 0 && this.#alongside.length === 0 && this.#destroys.size === 0) return;
    const rows = [...this.#pending.values()];
    const deletes = [...this.#destroys.values()];
    const others = this.#alongside;
    this.#pending.clear();
    this.#destroys.clear();
    this.#alongside = [];
    const writes = others.map((write) => write());
    if (rows.length > 0 || deletes.length > 0) writes.push(this.write(rows, deletes));
    // Every write settles before the flush answers, so a failure is not left running behind the response.
    const failed = (await Promise.allSettled(writes)).find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Keeps what a read found ahead under `key`; undefined records that it found nothing. */
  prefetch(key: string, payload: unknown): void {
    this.#prefetched.set(key, payload);
  }

  /** A row read ahead under `key` (once): `{ payload }`, or undefined when nothing was read ahead. */
  takePrefetched<T = OidcPayload>(key: string): { payload: T | undefined } | undefined {
    if (!this.#prefetched.has(key)) return undefined;
    const payload = this.#prefetched.get(key) as T | undefined;
    this.#prefetched.delete(key);
    return { payload };
  }
}

/** Keys of rows read ahead. */
export const prefetchKey = {
  grant: (id: string) => `Grant\0${id}`,
  sessionByUid: (uid: string) => `Session#uid\0${uid}`,
  /** A local user with its groups (store/oidc-accounts-repo.ts), for oidc-provider's findAccount. */
  account: (id: string) => `Account\0${id}`,
};

/** The scope of the OpenID Provider request being handled (oidc-provider's async-local context), if any. */
export function currentRequestScope(): RequestScope | undefined {
  return (Provider.ctx?.state as Record<symbol, RequestScope | undefined> | undefined)?.[SCOPE];
}

/**
 * Koa middleware (provider.use): opens the scope for the request and writes what it still holds before the
 * response is sent, also when the request failed (oidc-provider may have saved a session on its way to an
 * error response). A failed write fails the request.
 */
export function requestScopeMiddleware(write: ScopeWriter, onLostWrite: (error: unknown) => void) {
  return async (koa: KoaContextWithOIDC, next: () => Promise<unknown>) => {
    const scope = new RequestScope(write);
    (koa.state as Record<symbol, RequestScope>)[SCOPE] = scope;
    try {
      await next();
    } catch (error) {
      await scope.flush().catch(onLostWrite);
      throw error;
    }
    await scope.flush();
  };
}
