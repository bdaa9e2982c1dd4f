// Per-client-address rate limits of unauthenticated routes that write state, counted in the database so that
// every instance shares the window (store/rate-limit-repo.ts). Today: /federation/:idpId/start, which writes a
// 10-minute flow row per call. Over the limit: 429 with Retry-After and the styled page.
import type { MiddlewareHandler } from 'hono';
import { type AppContext, type AppEnv, resolveClientAddress, TrustedProxies } from './http/index.js';
import { errorPage } from './login/index.js';
import { hitRateLimit } from './store/index.js';

export const DEFAULT_FEDERATION_START_LIMIT = { limit: 30, windowSeconds: 60 };

/** IPv6 clients by their /64 (one subscriber usually holds a whole /64); IPv4 as is. */
function bucketOf(address: string): string {
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

export function federationStartLimit(ctx: AppContext): MiddlewareHandler<AppEnv> {
  const trusted = new TrustedProxies(ctx.config.trustedProxies ?? []);
  const rule = {
    limit: ctx.config.federationStartLimit ?? DEFAULT_FEDERATION_START_LIMIT.limit,
    windowSeconds: ctx.config.federationStartWindowSeconds ?? DEFAULT_FEDERATION_START_LIMIT.windowSeconds,
  };
  return async (c, next) => {
    if (rule.limit === 0 || c.req.method !== 'GET') return next();
    const address = resolveClientAddress(c.env?.incoming?.socket?.remoteAddress, c.req.header('x-forwarded-for'), trusted);
    if (!address) return next();
    const verdict = await hitRateLimit(ctx.store.db, `federation-start:${bucketOf(address)}`, rule);
    if (verdict.allowed) return next();
    const page = await errorPage({
      title: 'Too many sign-in attempts',
      message: 'Too many sign-ins were started from your network in a short time. Wait a moment, then try again.',
      reference: c.get('requestId') ?? null,
    });
    return c.html(page, 429, { 'retry-after': String(verdict.retryAfterSeconds), 'cache-control': 'no-store' });
  };
}
