// Caches an instance keeps between requests: one utility (TTL, size bound, metrics) and one invalidation point.
export { type CacheMeter, TtlCache, type TtlCacheOptions } from './ttl-cache.js';
export {
  CACHE_KINDS,
  cacheOf,
  type CacheKind,
  type CacheSettings,
  configureCaches,
  DEFAULT_CACHE_TTL_SECONDS,
  invalidateAllCaches,
  invalidateCache,
} from './instance-caches.js';
