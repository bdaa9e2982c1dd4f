// Security headers for every response: a CSP without inline script, no framing, no referrer,
// HSTS only when served over https.
import type { MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { AppEnv } from './app-context.js';
import { isComplete } from './response-headers.js';

/** Header values by lower-case name. */
export type HeaderSet = Readonly<Record<string, string>>;

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
  let set: HeaderSet | undefined;
  let probing: Promise<HeaderSet> | undefined;
  return async (c, next) => {
    set ??= await (probing ??= headersSetBy(hono));
    c.set('securityHeaders', set);
    await next();
    if (isComplete(c.res)) return;
    // What Hono's middleware does after the handler (it overwrites, and removes X-Powered-By).
    const headers = c.res.headers;
    for (const name in set) headers.set(name, set[name]!);
    headers.delete('x-powered-by');
  };
}

/** The headers a secureHeaders middleware sets on a response that has none. */
export async function headersSetBy(middleware: MiddlewareHandler): Promise<HeaderSet> {
  const probe = new Hono();
  probe.use(middleware);
  probe.get('/', (c) => c.body(null, 204));
  const response = await probe.request('/');
  const set: Record<string, string> = {};
  response.headers.forEach((value, name) => (set[name] = value));
  return set;
}
