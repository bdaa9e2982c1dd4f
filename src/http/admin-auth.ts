// Bearer authentication of the admin API: the admin token, compared with its stored hash in constant time.
import type { MiddlewareHandler } from 'hono';
import { tokenMatches } from '../store/index.js';
import type { AppEnv } from './app-context.js';
import { problemBody, problemResponse } from './problem.js';

export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer[ ]+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

export function adminAuth(getTokenHash: () => string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    if (!token || !tokenMatches(token, getTokenHash())) {
      const error = token ? 'invalid_token' : 'invalid_request';
      return problemResponse(
        problemBody(
          401,
          token ? 'invalid_token' : 'missing_token',
          token ? 'The admin token is not valid' : 'Send the admin token as a Bearer token',
        ),
        { 'www-authenticate': `Bearer realm="jitbridge-admin", error="${error}"` },
      );
    }
    c.set('actor', { type: 'admin', id: 'admin' });
    await next();
  };
}
