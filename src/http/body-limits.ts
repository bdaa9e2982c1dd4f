// One limit on request bodies for the whole app, applied in front of every route (app.ts), so a route added later
// cannot forget it. The rule is chosen by path prefix (the first that matches; the last rule should match
// everything); each rule answers 413 in its protocol's format (problem+json, SCIM error JSON, OAuth error JSON, the
// styled page for people). A declared Content-Length over the limit is refused before a byte of the body is read;
// a body without one is read only up to the limit. Routes whose handler reads the raw Node stream itself
// (`streamReadBy: 'handler'`, oidc-provider under /oidc) are checked by Content-Length here and bounded by their
// own reader.
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from './app-context.js';

export interface BodyLimitRule {
  /** Path prefix ('/' for everything else). */
  prefix: string;
  maxBytes: number;
  /** The 413 answer, in the format of the routes under the prefix. */
  tooLarge(c: Context<AppEnv>, maxBytes: number): Response | Promise<Response>;
  /** 'handler': the route reads the raw Node request itself and bounds it (only Content-Length is checked here). */
  streamReadBy?: 'handler';
}

const BODYLESS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The rule for a path: the first whose prefix matches at a segment boundary. */
export function bodyLimitRuleFor(rules: readonly BodyLimitRule[], path: string): BodyLimitRule | undefined {
  return rules.find(
    (rule) => rule.prefix === '/' || path === rule.prefix || path.startsWith(rule.prefix.endsWith('/') ? rule.prefix : `${rule.prefix}/`),
  );
}

export function bodyLimits(rules: readonly BodyLimitRule[]): MiddlewareHandler<AppEnv> {
  const limiters = new Map(
    rules.map((rule) => [
      rule,
      bodyLimit({
        maxSize: rule.maxBytes,
        onError: async (c) => closing(await rule.tooLarge(c as Context<AppEnv>, rule.maxBytes)),
      }),
    ]),
  );
  return async (c, next) => {
    if (BODYLESS.has(c.req.method)) return next();
    const rule = bodyLimitRuleFor(rules, c.req.path);
    if (!rule) return next();
    if (rule.streamReadBy === 'handler') {
      const declared = Number(c.req.header('content-length') ?? NaN);
      if (declared > rule.maxBytes) return closing(await rule.tooLarge(c, rule.maxBytes));
      return next();
    }
    return limiters.get(rule)!(c, next);
  };
}

/** The rest of a refused body is not read: close the connection rather than leave it in the socket. */
function closing(response: Response): Response {
  response.headers.set('connection', 'close');
  return response;
}
