// In-memory storage for the demo's upstream OpenID Provider: it plays someone else's IdP, so its sessions and
// codes live in the process and disappear with it. Clients come from a map the demo fills.
import type { Adapter, AdapterPayload } from 'oidc-provider';

export function memoryAdapter(clients: Map<string, AdapterPayload>) {
  const rows = new Map<string, { payload: AdapterPayload; expiresAt: number | null }>();
  // (model, uid) → row key, so a lookup by uid does not scan every row.
  const byUid = new Map<string, string>();
  const key = (model: string, id: string) => `${model}:${id}`;
  let writes = 0;
  const forget = (k: string) => {
    const uid = rows.get(k)?.payload.uid;
    if (typeof uid === 'string' && byUid.get(`${k.slice(0, k.indexOf(':'))}:${uid}`) === k)
      byUid.delete(`${k.slice(0, k.indexOf(':'))}:${uid}`);
    rows.delete(k);
  };
  return class MemoryAdapter implements Adapter {
    constructor(private readonly model: string) {}
    async upsert(id: string, payload: AdapterPayload, expiresIn: number) {
      // A demo left running keeps only live rows: expired ones go every so often.
      if (++writes % 500 === 0) for (const [k, row] of rows) if (row.expiresAt !== null && row.expiresAt < Date.now()) forget(k);
      const k = key(this.model, id);
      forget(k);
      rows.set(k, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : null });
      if (typeof payload.uid === 'string') byUid.set(key(this.model, payload.uid), k);
    }
    async find(id: string) {
      if (this.model === 'Client') return clients.get(id);
      const row = rows.get(key(this.model, id));
      if (!row || (row.expiresAt !== null && row.expiresAt < Date.now())) return undefined;
      return row.payload;
    }
    async findByUid(uid: string) {
      const k = byUid.get(key(this.model, uid));
      return k === undefined ? undefined : rows.get(k)?.payload;
    }
    async findByUserCode() {
      return undefined;
    }
    async consume(id: string) {
      const row = rows.get(key(this.model, id));
      if (row) row.payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      forget(key(this.model, id));
    }
    async revokeByGrantId(grantId: string) {
      for (const [k, row] of rows) if (row.payload.grantId === grantId) forget(k);
    }
  };
}
