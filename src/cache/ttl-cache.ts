// One bounded, expiring map for every value an instance remembers between requests (applications, identity
// providers, SCIM tokens, upstream discovery, SAML entities): entries live at most `ttlMs`, the least recently
// used goes first when `maxEntries` is reached, and each lookup is counted (hit or miss) when a meter is attached.
// The clock is a parameter so tests move time instead of sleeping.

/** Where a cache counts its lookups and evictions (prom-client counters satisfy it; see Metrics). */
export interface CacheMeter {
  requests: { labels(labels: { cache: string; result: 'hit' | 'miss' }): Increment };
  evictions: { labels(labels: { cache: string; reason: 'size' | 'invalidated' }): Increment };
}

interface Increment {
  inc(): void;
}

const UNCOUNTED: Increment = { inc: () => {} };

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
  // A Map iterates in insertion order: a hit re-inserts its key, so the first key is the least recently used.
  readonly #entries = new Map<string, { value: V; until: number }>();
  // The key set last (or hit last): a hit on it is already in place. A hot key (one SCIM client's token on every
  // request) then costs a lookup, no re-insertion.
  #newest: string | undefined;
  // The counters' children, bound to this cache's labels once: prom-client hashes a labels object on every `inc`.
  readonly #count: { hit: Increment; miss: Increment; size: Increment; invalidated: Increment };

  constructor(options: TtlCacheOptions) {
    this.name = options.name;
    this.ttlMs = options.ttlMs;
    this.maxEntries = options.maxEntries;
    this.now = options.now ?? Date.now;
    const meter = options.meter;
    const cache = options.name;
    this.#count = meter
      ? {
          hit: meter.requests.labels({ cache, result: 'hit' }),
          miss: meter.requests.labels({ cache, result: 'miss' }),
          size: meter.evictions.labels({ cache, reason: 'size' }),
          invalidated: meter.evictions.labels({ cache, reason: 'invalidated' }),
        }
      : { hit: UNCOUNTED, miss: UNCOUNTED, size: UNCOUNTED, invalidated: UNCOUNTED };
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The fresh value of `key`, or undefined (counted as a miss; an expired entry is dropped). */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry && entry.until > this.now()) {
      if (key !== this.#newest) {
        this.#entries.delete(key);
        this.#entries.set(key, entry);
        this.#newest = key;
      }
      this.#count.hit.inc();
      return entry.value;
    }
    if (entry) this.#entries.delete(key);
    this.#count.miss.inc();
    return undefined;
  }

  set(key: string, value: V): void {
    this.#entries.delete(key);
    while (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
      this.#count.size.inc();
    }
    this.#entries.set(key, { value, until: this.now() + this.ttlMs });
    this.#newest = key;
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
    for (let i = 0; i < dropped; i++) this.#count.invalidated.inc();
  }
}
