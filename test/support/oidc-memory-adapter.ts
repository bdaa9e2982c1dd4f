// In-memory storage for the upstream oidc-provider instances the tests run: they play someone else's IdP,
// so their state lives in the process and disappears with it.
import type { Adapter, AdapterPayload } from 'oidc-provider';

export function memoryAdapter(clients: Map<string, AdapterPayload>) {
  const rows = new Map<string, { payload: AdapterPayload; expiresAt: number | null }>();
  const key = (model: string, id: string) => `${model}:${id}`;
  return class MemoryAdapter implements Adapter {
    constructor(private readonly model: string) {}
    async upsert(id: string, payload: AdapterPayload, expiresIn: number) {
      rows.set(key(this.model, id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : null });
    }
    async find(id: string) {
      if (this.model === 'Client') return clients.get(id);
      const row = rows.get(key(this.model, id));
      if (!row || (row.expiresAt !== null && row.expiresAt < Date.now())) return undefined;
      return row.payload;
    }
    async findByUid(uid: string) {
      for (const [k, row] of rows) if (k.startsWith(`${this.model}:`) && row.payload.uid === uid) return row.payload;
      return undefined;
    }
    async findByUserCode() {
      return undefined;
    }
    async consume(id: string) {
      const row = rows.get(key(this.model, id));
      if (row) row.payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      rows.delete(key(this.model, id));
    }
    async revokeByGrantId(grantId: string) {
      for (const [k, row] of rows) if (row.payload.grantId === grantId) rows.delete(k);
    }
  };
}
