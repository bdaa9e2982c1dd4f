// /console: the admin console's single page and its assets, built at install (Vite, console/), served with the
// same CSP as every page (scripts and styles from 'self' only, nothing inline). The page talks to the public admin
// API only; /console/config.json tells it where jitbridge's OpenID Provider is.
import { Hono } from 'hono';
import type { AppContext, AppEnv } from '../http/index.js';
import { CONSOLE_CLIENT_ID } from '../oidc/index.js';
import { CONSOLE_APP_DIR, mediaTypeOf, readAsset, readIndex } from './static-files.js';

export interface ConsoleRoutesOptions {
  /** Where the built files are; tests may point elsewhere. */
  dir?: string;
}

const NOT_BUILT =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>jitbridge console</title></head><body>' +
  '<h1>The console is not built</h1><p>Run <code>npm install</code> (or <code>npm run build</code>) in the jitbridge folder, then reload.</p>' +
  '</body></html>';

export function consoleRoutes(ctx: Pick<AppContext, 'config'>, options: ConsoleRoutesOptions = {}) {
  const dir = options.dir ?? CONSOLE_APP_DIR;
  const app = new Hono<AppEnv>();
  let index: string | undefined;

  const page = async () => (index ??= await readIndex(dir));

  app.get('/console', (c) => c.redirect('/console/', 301));
  app.get('/console/config.json', (c) =>
    c.json(
      {
        publicUrl: ctx.config.publicUrl,
        issuer: `${ctx.config.publicUrl}/oidc`,
        clientId: CONSOLE_CLIENT_ID,
        api: `${ctx.config.publicUrl}/api/v1`,
      },
      200,
      { 'cache-control': 'no-store' },
    ),
  );
  app.get('/console/assets/:name', async (c) => {
    const name = c.req.param('name');
    const type = mediaTypeOf(name);
    const body = type ? await readAsset(dir, name) : undefined;
    if (!type || !body) return c.notFound();
    // Vite puts a content hash in every asset's name: a new build has new names.
    return c.body(body, 200, { 'content-type': type, 'cache-control': 'public, max-age=31536000, immutable' });
  });
  // Every other path under /console/ is the page (its router reads the path; /console/callback ends a sign-in).
  app.get('/console/*', async (c) => {
    const html = await page();
    if (!html) return c.html(NOT_BUILT, 503, { 'cache-control': 'no-store' });
    return c.html(html, 200, { 'cache-control': 'no-store' });
  });
  return app;
}
