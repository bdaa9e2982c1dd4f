// One bounded, expiring map for every value an instance remembers between requests (applications, identity
// providers, SCIM tokens, upstream discovery, SAML entities): entries live at most `ttlMs`, the least recently
// used goes first when `maxEntries` is reached, and each lookup is counted (hit or miss) when a meter is attached.
// The clock is a parameter so tests move time instead of sleeping.

/** Where a cache counts its lookups and evictions (prom-client counters satisfy it; see Metrics). */
export interface CacheMeter {
  requests: { inc(labels: { cache: string; result: 'hit' | 'miss' }): void };
  evictions: { inc(labels: { cache: string; reason: 'size' | 'invalidated' }): void };
}

export interface TtlCacheOptions {
  /** The `cache` label of its metrics. */
  name: string;
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
  meter?: CacheMeter | null;
}

export class TtlCache<V> {
  readonly name: string;
  ttlMs: number;
  readonly maxEntries: number;
  now: () => number;
  meter: CacheMeter | null;
  // A Map iterates in insertion order: a hit re-inserts its key, so the first key is the least recently used.
  readonly #entries = new Map<string, { value: V; until: number }>();

  constructor(options: TtlCacheOptions) {
    this.name = options.name;
    this.ttlMs = options.ttlMs;
    this.maxEntries = options.maxEntries;
    this.now = options.now ?? Date.now;
    this.meter = options.meter ?? null;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The fresh value of `key`, or undefined (counted as a miss; an expired entry is dropped). */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry && entry.until > this.now()) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      this.meter?.requests.inc({ cache: this.name, result: 'hit' });
      return entry.value;
    }
    if (entry) this.#entries.delete(key);
    this.meter?.requests.inc({ cache: this.name, result: 'miss' });
    return undefined;
  }

  set(key: string, value: V): void {
    this.#entries.delete(key);
    while (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
      this.meter?.evictions.inc({ cache: this.name, reason: 'size' });
    }
    this.#entries.set(key, { value, until: this.now() + this.ttlMs });
  }

  /** The cached value, else `load()`'s, remembered unless it is undefined (unknown keys are asked again next time). */
  async getOrLoad(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const value = await load();
    if (value === undefined) this.#entries.delete(key);
    else this.set(key, value);
    return value;
  }

  /** Forgets one key, or everything. */
  invalidate(key?: string): void {
    const dropped = key === undefined ? this.#entries.size : Number(this.#entries.delete(key));
    if (key === undefined) this.#entries.clear();
    for (let i = 0; i < dropped; i++) this.meter?.evictions.inc({ cache: this.name, reason: 'invalidated' });
  }
}
