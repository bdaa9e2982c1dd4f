// Security headers for every response: a CSP without inline script, no framing, no referrer,
// HSTS only when served over https.
import type { MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { AppEnv } from './app-context.js';
import { isComplete } from './response-headers.js';

export type HeaderList = ReadonlyArray<readonly [string, string]>;

/**
 * Hono's secureHeaders with these options, whose headers are also handed to the request (`securityHeaders`) for
 * routes that build complete responses (response-headers.ts). The list is what Hono's middleware sets, read off
 * one probe response, so both ways give the same headers.
 */
export function securityHeaders(publicUrl: string): MiddlewareHandler<AppEnv> {
  const hono = secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      // Forms post to our own pages and, after a login, redirect the browser back to the app.
      formAction: ["'self'", 'https:', 'http:'],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      objectSrc: ["'none'"],
    },
    referrerPolicy: 'no-referrer',
    xFrameOptions: 'DENY',
    strictTransportSecurity: publicUrl.startsWith('https:') ? 'max-age=31536000; includeSubDomains' : false,
    crossOriginResourcePolicy: 'same-origin',
    crossOriginOpenerPolicy: 'same-origin',
  });
  let list: HeaderList | undefined;
  let probing: Promise<HeaderList> | undefined;
  return async (c, next) => {
    list ??= await (probing ??= headersSetBy(hono));
    c.set('securityHeaders', list);
    await next();
    if (isComplete(c.res)) return;
    // What Hono's middleware does after the handler (it overwrites, and removes X-Powered-By).
    const headers = c.res.headers;
    for (const [name, value] of list) headers.set(name, value);
    headers.delete('x-powered-by');
  };
}

/** The headers a secureHeaders middleware sets on a response that has none. */
export async function headersSetBy(middleware: MiddlewareHandler): Promise<HeaderList> {
  const probe = new Hono();
  probe.use(middleware);
  probe.get('/', (c) => c.body(null, 204));
  const response = await probe.request('/');
  const list: Array<readonly [string, string]> = [];
  response.headers.forEach((value, name) => list.push([name, value]));
  return list;
}
