// The caches of one app instance, kept per database handle (tests run several instances in one process), and
// the one invalidation point: an admin write calls `invalidateCache(db, kind, key?)` after it commits.
//
// The bound, stated once (README "Operations"): a write through this instance is visible on it at once; on any
// other instance on the same database it is visible within CACHE_TTL_SECONDS (default 5), the TTL of every
// cache here. Caches of values derived only from an IdP's own settings (upstream discovery, SAML entities) are
// keyed by those settings, so they never serve an old version; they live in federation/ with their own TTL.
import { TtlCache, type CacheMeter } from './ttl-cache.js';

export const CACHE_KINDS = ['applications', 'scim-tokens'] as const;
export type CacheKind = (typeof CACHE_KINDS)[number];

/** CACHE_TTL_SECONDS when unset. */
export const DEFAULT_CACHE_TTL_SECONDS = 5;
const MAX_ENTRIES: Record<CacheKind, number> = { applications: 1_000, 'scim-tokens': 10_000 };

export interface CacheSettings {
  ttlSeconds?: number;
  now?: () => number;
  meter?: CacheMeter | null;
}

type InstanceCaches = { [K in CacheKind]: TtlCache<unknown> };
const byScope = new WeakMap<object, InstanceCaches>();

function create(settings: CacheSettings): InstanceCaches {
  const ttlMs = (settings.ttlSeconds ?? DEFAULT_CACHE_TTL_SECONDS) * 1000;
  const make = (name: CacheKind) =>
    new TtlCache<unknown>({ name, ttlMs, maxEntries: MAX_ENTRIES[name], now: settings.now, meter: settings.meter });
  return { applications: make('applications'), 'scim-tokens': make('scim-tokens') };
}

/** The cache of one kind for this database handle (created with the defaults on first use). */
export function cacheOf<V>(scope: object, kind: CacheKind): TtlCache<V> {
  let caches = byScope.get(scope);
  if (!caches) byScope.set(scope, (caches = create({})));
  return caches[kind] as TtlCache<V>;
}

/** Sets TTL, clock and meter of this handle's caches (at start; tests pass a fake clock). Empties them. */
export function configureCaches(scope: object, settings: CacheSettings): void {
  byScope.set(scope, create(settings));
}

/** The invalidation point: after a write to `kind` through this instance, forget one key or all of them. */
export function invalidateCache(scope: object, kind: CacheKind, key?: string): void {
  byScope.get(scope)?.[kind].invalidate(key);
}

/** After a bulk change (configuration as code): forget everything this instance remembers. */
export function invalidateAllCaches(scope: object): void {
  for (const kind of CACHE_KINDS) invalidateCache(scope, kind);
}
