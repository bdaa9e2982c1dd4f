// oidc-provider's storage adapter over our store: every model lives in `oidc_payloads`, except Client,
// which is read from `applications` (so an app registered through the admin API is a client at once, on
// every instance; changes reach other instances within the few seconds of store/applications-cache.ts).
// Within a request to the OpenID Provider, upserts are deferred and written together, and the token endpoint's
// code, grant and session come in one read (request-scope.ts): a login's resume writes once instead of three
// times, its token request reads once instead of three times and writes once instead of twice.
import type { Adapter, AdapterPayload } from 'oidc-provider';
import {
  type Store,
  findApplicationByClientIdCached,
  consumeOidcPayload,
  destroyOidcPayload,
  findGrantSourceWithGrantAndSession,
  findInteractionWithAccount,
  findOidcPayload,
  findOidcPayloadByUid,
  findOidcPayloadByUserCode,
  revokeOidcGrant,
  upsertOidcPayloads,
  type PayloadToWrite,
} from '../store/index.js';
import { clientMetadata } from './clients.js';
import { CONSOLE_CLIENT_ID, consoleClientOverlay } from './console-client.js';
import { samlClientOverlay } from './saml-clients.js';
import { currentRequestScope, prefetchKey } from './request-scope.js';
import { isUuid } from '../domain/index.js';
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

/** Login state a token request reads by the code or refresh token it redeems. */
const GRANT_SOURCES = new Set(['AuthorizationCode', 'RefreshToken']);

class PayloadAdapter implements Adapter {
  constructor(
    protected readonly store: Store,
    protected readonly model: string,
  ) {}

  /** Writes now, or hands the row to the request's scope, which writes it before the next read or the response. */
  protected write(rows: PayloadToWrite[]): Promise<void> {
    const scope = currentRequestScope();
    if (!scope) return upsertOidcPayloads(this.store.ephemeralDb, rows);
    for (const row of rows) scope.defer(row);
    return Promise.resolve();
  }

  /** Anything else the adapter does waits for the deferred writes, so the database sees the request's order. */
  protected async settled(): Promise<void> {
    await currentRequestScope()?.flush();
  }

  // Creating or updating login state may be lost in a database crash (the person signs in again), so it is
  // written on `ephemeralDb` (database.ts); consuming, destroying and revoking must not be, or a used code or a
  // revoked grant could come back: those stay on `db`. One exception: the interaction oidc-provider destroys at
  // the resume. It is deleted in the statement that writes what that resume saves after it (session, grant,
  // code: login state too), so a crash loses the delete only with them, which leaves the interaction as it was
  // before the resume; and once the app redeems the code, that durable consume flushes the WAL past the delete.
  upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    return this.write([
      { model: this.model, id, payload: payload as Record<string, unknown>, expiresInSeconds: expiresIn > 0 ? expiresIn : undefined },
    ]);
  }
  async find(id: string) {
    await this.settled();
    const scope = currentRequestScope();
    if (this.model === 'Grant') {
      const ahead = scope?.takePrefetched(prefetchKey.grant(id));
      if (ahead) return ahead.payload as AdapterPayload | undefined;
    }
    if (scope && GRANT_SOURCES.has(this.model)) {
      // The token endpoint reads the code's (or refresh token's) session, grant and account next: read them with it.
      const { source, grant, session, account } = await findGrantSourceWithGrantAndSession(this.store.db, this.model, id);
      if (typeof source?.grantId === 'string') scope.prefetch(prefetchKey.grant(source.grantId), grant);
      if (typeof source?.sessionUid === 'string') scope.prefetch(prefetchKey.sessionByUid(source.sessionUid), session);
      if (typeof source?.accountId === 'string' && isUuid(source.accountId)) scope.prefetch(prefetchKey.account(source.accountId), account);
      return source as AdapterPayload | undefined;
    }
    if (scope && this.model === 'Interaction') {
      // The resume reads the account its login names next: read it with the interaction.
      const { interaction, account } = await findInteractionWithAccount(this.store.db, id);
      const accountId = (interaction?.result as { login?: { accountId?: unknown } } | undefined)?.login?.accountId;
      if (typeof accountId === 'string' && isUuid(accountId)) scope.prefetch(prefetchKey.account(accountId), account);
      return interaction as AdapterPayload | undefined;
    }
    return (await findOidcPayload(this.store.db, this.model, id)) as AdapterPayload | undefined;
  }
  async findByUid(uid: string) {
    await this.settled();
    if (this.model === 'Session') {
      const ahead = currentRequestScope()?.takePrefetched(prefetchKey.sessionByUid(uid));
      if (ahead) return ahead.payload as AdapterPayload | undefined;
    }
    return (await findOidcPayloadByUid(this.store.db, this.model, uid)) as AdapterPayload | undefined;
  }
  async findByUserCode(userCode: string) {
    await this.settled();
    return (await findOidcPayloadByUserCode(this.store.db, this.model, userCode)) as AdapterPayload | undefined;
  }
  async consume(id: string) {
    await this.settled();
    return consumeOidcPayload(this.store.db, this.model, id);
  }
  async destroy(id: string) {
    const scope = currentRequestScope();
    if (scope && this.model === 'Interaction') {
      // The resume ends the interaction, then saves the session, grant and code: one statement writes all of them.
      scope.deferDestroy(this.model, id);
      return;
    }
    await this.settled();
    return destroyOidcPayload(this.model === 'Interaction' ? this.store.ephemeralDb : this.store.db, this.model, id);
  }
  async revokeByGrantId(grantId: string) {
    await this.settled();
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
    const session: PayloadToWrite = { model: this.model, id, payload: payload as Record<string, unknown>, expiresInSeconds };
    if (!idpId || typeof payload.uid !== 'string') return this.write([session]);
    return this.write([session, { model: SESSION_IDP_MODEL, id: payload.uid, payload: { idpId }, expiresInSeconds }]);
  }
}

/** The adapter factory oidc-provider calls once per model name. */
export function createAdapterFactory(store: Store, publicUrl: string) {
  return function StoreAdapter(model: string): Adapter {
    if (model === 'Client') return new ClientAdapter(store, publicUrl);
    return model === 'Session' ? new SessionAdapter(store, model) : new PayloadAdapter(store, model);
  } as unknown as new (model: string) => Adapter;
}
