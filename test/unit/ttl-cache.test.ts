// The one cache utility (src/cache): entries expire after the TTL, the least recently used goes first at the size
// bound, invalidation forgets one key or all, and each lookup and early eviction is counted.
import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { cacheOf, configureCaches, invalidateCache, TtlCache } from '../../src/cache/index.js';
import { createMetrics } from '../../src/observability/index.js';

function clock(start = 1_000_000) {
  const c = { at: start, now: () => c.at };
  return c;
}

describe('TtlCache', () => {
  it('serves an entry until its TTL has passed, then asks again', async () => {
    const time = clock();
    const cache = new TtlCache<string>({ name: 't', ttlMs: 5_000, maxEntries: 10, now: time.now });
    let loads = 0;
    const load = async () => `v${++loads}`;
    expect(await cache.getOrLoad('a', load)).toBe('v1');
    time.at += 4_999;
    expect(await cache.getOrLoad('a', load)).toBe('v1');
    time.at += 1;
    expect(await cache.getOrLoad('a', load)).toBe('v2');
    expect(loads).toBe(2);
  });

  it('does not remember an unknown key', async () => {
    const cache = new TtlCache<string>({ name: 't', ttlMs: 5_000, maxEntries: 10 });
    let loads = 0;
    const load = async () => (++loads, undefined);
    await cache.getOrLoad('missing', load);
    await cache.getOrLoad('missing', load);
    expect(loads).toBe(2);
    expect(cache.size).toBe(0);
  });

  it('drops the least recently used entry at the size bound', () => {
    const cache = new TtlCache<number>({ name: 't', ttlMs: 60_000, maxEntries: 2 });
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now more recent than b
    cache.set('c', 3);
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
  });

  it('keeps the recency order when the most recent key is hit again (a hit on it is not re-inserted)', () => {
    const cache = new TtlCache<number>({ name: 't', ttlMs: 60_000, maxEntries: 2 });
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('b')).toBe(2); // b is already the most recent
    expect(cache.get('a')).toBe(1); // now a is
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3); // evicts b, the least recently used
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    cache.invalidate('a');
    cache.set('a', 4); // a re-set after its invalidation is the most recent again
    cache.set('d', 5); // evicts c
    expect(cache.get('c')).toBeUndefined();
    expect([cache.get('a'), cache.get('d')]).toEqual([4, 5]);
  });

  it('invalidates one key or everything', () => {
    const cache = new TtlCache<number>({ name: 't', ttlMs: 60_000, maxEntries: 10 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.invalidate('a');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe(2);
    cache.invalidate();
    expect(cache.size).toBe(0);
  });

  it('counts hits, misses and early evictions in the instance metrics', async () => {
    const metrics = createMetrics();
    const cache = new TtlCache<number>({
      name: 'apps',
      ttlMs: 60_000,
      maxEntries: 1,
      meter: { requests: metrics.cacheRequests, evictions: metrics.cacheEvictions },
    });
    cache.get('a'); // miss
    cache.set('a', 1);
    cache.get('a'); // hit
    cache.set('b', 2); // evicts a (size)
    cache.invalidate('b'); // invalidated
    const values = async (name: string) => (await (metrics.registry as Registry).getSingleMetric(name)!.get()).values;
    expect(await values('jitbridge_cache_requests_total')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ labels: { cache: 'apps', result: 'miss' }, value: 1 }),
        expect.objectContaining({ labels: { cache: 'apps', result: 'hit' }, value: 1 }),
      ]),
    );
    expect(await values('jitbridge_cache_evictions_total')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ labels: { cache: 'apps', reason: 'size' }, value: 1 }),
        expect.objectContaining({ labels: { cache: 'apps', reason: 'invalidated' }, value: 1 }),
      ]),
    );
  });
});

describe('instance caches', () => {
  it('are kept per database handle, with one TTL, and invalidated by kind', () => {
    const time = clock();
    const one = {};
    const two = {};
    configureCaches(one, { ttlSeconds: 5, now: time.now });
    cacheOf<number>(one, 'applications').set('x', 1);
    expect(cacheOf<number>(two, 'applications').get('x')).toBeUndefined();
    cacheOf<number>(one, 'scim-tokens').set('x', 2);
    invalidateCache(one, 'applications', 'x');
    expect(cacheOf<number>(one, 'applications').get('x')).toBeUndefined();
    expect(cacheOf<number>(one, 'scim-tokens').get('x')).toBe(2);
    time.at += 5_000;
    expect(cacheOf<number>(one, 'scim-tokens').get('x')).toBeUndefined();
  });
});
