// /console's server side on its own: the page for every path under /console/ (its routes are in the hash), hashed
// assets by plain name only, and a 503 that says how to build when there is no build.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleRoutes } from '../../src/console/index.js';
import type { AppConfig } from '../../src/config/index.js';

let dir: string;
const ctx = { config: { publicUrl: 'https://id.example.com' } as AppConfig };
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'jitbridge-console-'));
  await mkdir(path.join(dir, 'built', 'assets'), { recursive: true });
  await writeFile(path.join(dir, 'built', 'index.html'), '<!doctype html><title>console</title>');
  await writeFile(path.join(dir, 'built', 'assets', 'index-abc123.js'), 'export {};');
  await writeFile(path.join(dir, 'secret.js'), 'nope');
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('the console routes', () => {
  it('answers the page for any path under /console/, assets with a year of caching, and config.json', async () => {
    const app = consoleRoutes(ctx, { dir: path.join(dir, 'built') });
    expect((await app.request('/console')).status).toBe(301);
    for (const p of ['/console/', '/console/callback?code=x&state=y', '/console/anything']) {
      const page = await app.request(p);
      expect(page.status, p).toBe(200);
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(await page.text()).toContain('<title>console</title>');
    }
    const asset = await app.request('/console/assets/index-abc123.js');
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(await (await app.request('/console/config.json')).json()).toEqual({
      publicUrl: 'https://id.example.com',
      issuer: 'https://id.example.com/oidc',
      clientId: 'jitbridge-console',
      api: 'https://id.example.com/api/v1',
    });
  });

  it('serves nothing outside assets/ and no unknown kinds of file', async () => {
    const app = consoleRoutes(ctx, { dir: path.join(dir, 'built') });
    for (const p of [
      '/console/assets/..%2F..%2Fsecret.js',
      '/console/assets/.hidden.js',
      '/console/assets/index.html',
      '/console/assets/missing.js',
    ])
      expect((await app.request(p)).status, p).toBe(404);
  });

  it('says how to build it when there is no build', async () => {
    const app = consoleRoutes(ctx, { dir: path.join(dir, 'missing') });
    const page = await app.request('/console/');
    expect(page.status).toBe(503);
    expect(await page.text()).toContain('npm run build');
  });
});
