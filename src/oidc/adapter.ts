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
  upsertTwoOidcPayloads,
} from '../store/oidc-payloads-repo.js';
import { clientMetadata } from './clients.js';
import { idpOfResumedLogin, SESSION_IDP_MODEL } from './session-idp.js';

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
    protected readonly store: Store,
    protected readonly model: string,
  ) {}
  // Creating or updating login state may be lost in a database crash (the person signs in again); consuming,
  // destroying and revoking must not be, or a used code or a revoked grant could come back: those stay on `db`.
  // One exception: the interaction oidc-provider destroys at the resume. Everything that resume writes after it
  // (session, grant, code) is login state too, so a crash that loses the destroy loses them as well and leaves
  // the interaction as it was before the resume; and once the app redeems the code, that durable consume flushes
  // the WAL past the destroy.
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
    return destroyOidcPayload(this.model === 'Interaction' ? this.store.ephemeralDb : this.store.db, this.model, id);
  }
  revokeByGrantId(grantId: string) {
    return revokeOidcGrant(this.store.db, grantId);
  }
}

/**
 * Sessions: saved at the resume after a login, together with the IdP that login came through (session-idp.ts),
 * in one statement: both or neither, and one round trip.
 */
class SessionAdapter extends PayloadAdapter {
  override upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const idpId = idpOfResumedLogin();
    if (!idpId || typeof payload.uid !== 'string') return super.upsert(id, payload, expiresIn);
    const expiresInSeconds = expiresIn > 0 ? expiresIn : undefined;
    return upsertTwoOidcPayloads(
      this.store.ephemeralDb,
      { model: 'Session', id, payload: payload as Record<string, unknown>, expiresInSeconds },
      { model: SESSION_IDP_MODEL, id: payload.uid, payload: { idpId }, expiresInSeconds },
    );
  }
}

/** The adapter factory oidc-provider calls once per model name. */
export function createAdapterFactory(store: Store) {
  return function StoreAdapter(model: string): Adapter {
    if (model === 'Client') return new ClientAdapter(store);
    return model === 'Session' ? new SessionAdapter(store, model) : new PayloadAdapter(store, model);
  } as unknown as new (model: string) => Adapter;
}
