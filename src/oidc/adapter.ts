// oidc-provider's storage adapter over our store: every model lives in `oidc_payloads`, except Client,
// which is read from `applications` (so an app registered through the admin API is a client at once, on
// every instance; changes reach other instances within the few seconds of store/applications-cache.ts).
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Store } from '../store/index.js';
import { findApplicationByClientIdCached } from '../store/applications-cache.js';
import {
  consumeOidcPayload,
  destroyOidcPayload,
  findOidcPayload,
  findOidcPayloadByUid,
  findOidcPayloadByUserCode,
  revokeOidcGrant,
  upsertOidcPayload,
} from '../store/oidc-payloads-repo.js';
import { clientMetadata } from './clients.js';

class ClientAdapter implements Adapter {
  constructor(private readonly store: Store) {}
  async find(id: string): Promise<AdapterPayload | undefined> {
    const app = await findApplicationByClientIdCached(this.store.db, id);
    return app ? (clientMetadata(app) as AdapterPayload) : undefined;
  }
  // Clients are managed through /api/v1/applications, never through oidc-provider.
  async upsert(): Promise<void> {}
  async findByUid(): Promise<undefined> {}
  async findByUserCode(): Promise<undefined> {}
  async consume(): Promise<void> {}
  async destroy(): Promise<void> {}
  async revokeByGrantId(): Promise<void> {}
}

class PayloadAdapter implements Adapter {
  constructor(
    private readonly store: Store,
    private readonly model: string,
  ) {}
  // Creating or updating login state may be lost in a database crash (the person signs in again); consuming,
  // destroying and revoking must not be, or a used code or a revoked grant could come back: those stay on `db`.
  upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    return upsertOidcPayload(
      this.store.ephemeralDb,
      this.model,
      id,
      payload as Record<string, unknown>,
      expiresIn > 0 ? expiresIn : undefined,
    );
  }
  find(id: string) {
    return findOidcPayload(this.store.db, this.model, id) as Promise<AdapterPayload | undefined>;
  }
  findByUid(uid: string) {
    return findOidcPayloadByUid(this.store.db, this.model, uid) as Promise<AdapterPayload | undefined>;
  }
  findByUserCode(userCode: string) {
    return findOidcPayloadByUserCode(this.store.db, this.model, userCode) as Promise<AdapterPayload | undefined>;
  }
  consume(id: string) {
    return consumeOidcPayload(this.store.db, this.model, id);
  }
  destroy(id: string) {
    return destroyOidcPayload(this.store.db, this.model, id);
  }
  revokeByGrantId(grantId: string) {
    return revokeOidcGrant(this.store.db, grantId);
  }
}

/** The adapter factory oidc-provider calls once per model name. */
export function createAdapterFactory(store: Store) {
  return function StoreAdapter(model: string): Adapter {
    return model === 'Client' ? new ClientAdapter(store) : new PayloadAdapter(store, model);
  } as unknown as new (model: string) => Adapter;
}
