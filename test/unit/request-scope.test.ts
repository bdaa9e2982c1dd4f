// The OpenID Provider's request scope (src/oidc/request-scope.ts): deferred upserts and the writes beside them.
import { describe, expect, it } from 'vitest';
import { RequestScope } from '../../src/oidc/request-scope.js';
import type { PayloadToDelete, PayloadToWrite } from '../../src/store/index.js';

const row = (id: string, payload: Record<string, unknown> = {}): PayloadToWrite => ({
  model: 'Interaction',
  id,
  payload,
  expiresInSeconds: 60,
});

/** A promise and what settles it (Promise.withResolvers is Node 22). */
function signal() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('RequestScope', () => {
  it('writes the held upserts in one call, the last of each (model, id) winning, and nothing twice', async () => {
    const calls: PayloadToWrite[][] = [];
    const scope = new RequestScope(async (rows) => void calls.push(rows));
    scope.defer(row('a', { v: 1 }));
    scope.defer(row('b'));
    scope.defer(row('a', { v: 2 }));
    await scope.flush();
    await scope.flush();
    expect(calls).toEqual([[row('a', { v: 2 }), row('b')]]);
  });

  it('writes held deletes with the upserts in one call; a delete drops an upsert of its row held before it, and the reverse', async () => {
    const calls: Array<[PayloadToWrite[], PayloadToDelete[]]> = [];
    const scope = new RequestScope(async (upserts, deletes) => void calls.push([upserts, deletes]));
    scope.defer(row('interaction', { v: 1 }));
    scope.defer(row('session'));
    scope.deferDestroy('Interaction', 'interaction');
    scope.deferDestroy('Interaction', 'reborn');
    scope.defer(row('reborn', { v: 2 }));
    await scope.flush();
    await scope.flush();
    expect(calls).toEqual([[[row('session'), row('reborn', { v: 2 })], [{ model: 'Interaction', id: 'interaction' }]]]);

    scope.deferDestroy('Interaction', 'alone');
    await scope.flush();
    expect(calls[1]).toEqual([[], [{ model: 'Interaction', id: 'alone' }]]);
  });

  it('runs the writes held alongside at the same time as the upsert, once each', async () => {
    // Each write waits until the other has started: a flush that ran them one after the other would hang.
    const started = { upsert: signal(), flow: signal() };
    const runs = { upsert: 0, flow: 0 };
    const scope = new RequestScope(async () => {
      runs.upsert++;
      started.upsert.resolve();
      await started.flow.promise;
    });
    scope.defer(row('a'));
    scope.alongside(async () => {
      runs.flow++;
      started.flow.resolve();
      await started.upsert.promise;
    });
    await scope.flush();
    await scope.flush();
    expect(runs).toEqual({ upsert: 1, flow: 1 });
  });

  it('a failed write beside the upsert fails the flush, after the upsert has settled', async () => {
    let upserted = false;
    const scope = new RequestScope(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      upserted = true;
    });
    scope.defer(row('a'));
    const refused = new Error('insert failed');
    scope.alongside(() => Promise.reject(refused));
    await expect(scope.flush()).rejects.toBe(refused);
    expect(upserted).toBe(true);
  });

  it('hands out what a read found ahead once, including "nothing found"', () => {
    const scope = new RequestScope(async () => {});
    scope.prefetch('Account\0x', undefined);
    scope.prefetch('Grant\0g', { accountId: 'x' });
    expect(scope.takePrefetched('Account\0x')).toEqual({ payload: undefined });
    expect(scope.takePrefetched('Account\0x')).toBeUndefined();
    expect(scope.takePrefetched('Grant\0g')).toEqual({ payload: { accountId: 'x' } });
    expect(scope.takePrefetched('Grant\0other')).toBeUndefined();
  });
});
