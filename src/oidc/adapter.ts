// oidc-provider's storage adapter over our store: every model lives in `oidc_payloads`, except Client,
// which is read from `applications` (so an app registered through the admin API is a client at once, on
// every instance; changes reach other instances within the few seconds of store/applications-cache.ts).
// Each call is one plain statement; which writes may skip the WAL flush is the repository's rule
// (store/oidc-payloads-repo.ts), not this file's.
import type { Adapter, AdapterPayload } from 'oidc-provider';
import {
  type Store,
  findApplicationByClientIdCached,
  consumeOidcPayload,
  destroyOidcPayload,
  findOidcPayload,
  findOidcPayloadByUid,
  findOidcPayloadByUserCode,
  revokeOidcGrant,
  upsertOidcPayload,
  upsertOidcPayloads,
} from '../store/index.js';
import { clientMetadata } from './clients.js';
import { CONSOLE_CLIENT_ID, consoleClientOverlay } from './console-client.js';
import { samlClientOverlay } from './saml-clients.js';
import { idpOfResumedLogin, SESSION_IDP_MODEL } from './session-idp.js';

class ClientAdapter implements Adapter {
  constructor(
    private readonly store: Store,
    private readonly publicUrl: string,
  ) {}
  async find(id: string): Promise<AdapterPayload | undefined> {
    const app = await findApplicationByClientIdCached(this.store.db, id);
    if (!app) return undefined;
    const metadata = clientMetadata(app);
    // The console's protocol settings are fixed (console-client.ts), whatever an admin wrote into its row.
    // A SAML app's client (saml-clients.ts) always comes back to jitbridge's SAML return route.
    const overlay = id === CONSOLE_CLIENT_ID ? consoleClientOverlay(this.publicUrl) : samlClientOverlay(id, this.publicUrl);
    return { ...metadata, ...overlay } as AdapterPayload;
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

  upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    return upsertOidcPayload(this.store.db, this.model, id, payload as Record<string, unknown>, expiresIn > 0 ? expiresIn : undefined);
  }
  async find(id: string) {
    return (await findOidcPayload(this.store.db, this.model, id)) as AdapterPayload | undefined;
  }
  async findByUid(uid: string) {
    return (await findOidcPayloadByUid(this.store.db, this.model, uid)) as AdapterPayload | undefined;
  }
  async findByUserCode(userCode: string) {
    return (await findOidcPayloadByUserCode(this.store.db, this.model, userCode)) as AdapterPayload | undefined;
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

/**
 * Sessions: saved at the resume after a login together with the IdP that login came through (session-idp.ts),
 * in the same statement: both or neither.
 */
class SessionAdapter extends PayloadAdapter {
  override upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const idpId = idpOfResumedLogin();
    const expiresInSeconds = expiresIn > 0 ? expiresIn : undefined;
    const session = { model: this.model, id, payload: payload as Record<string, unknown>, expiresInSeconds };
    if (!idpId || typeof payload.uid !== 'string') return upsertOidcPayloads(this.store.db, [session]);
    return upsertOidcPayloads(this.store.db, [
      session,
      { model: SESSION_IDP_MODEL, id: payload.uid, payload: { idpId }, expiresInSeconds },
    ]);
  }
}

/** The adapter factory oidc-provider calls once per model name. */
export function createAdapterFactory(store: Store, publicUrl: string) {
  return function StoreAdapter(model: string): Adapter {
    if (model === 'Client') return new ClientAdapter(store, publicUrl);
    return model === 'Session' ? new SessionAdapter(store, model) : new PayloadAdapter(store, model);
  } as unknown as new (model: string) => Adapter;
}
