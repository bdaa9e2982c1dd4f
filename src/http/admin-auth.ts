// Bearer authentication of the admin API: the admin token (compared with its stored hash in constant time) for
// automation, or a console access token that `consoleToken` recognises (src/admin/console-principal.ts). It says
// who is calling and with which role; what each route needs is checked after it (src/admin/authorize.ts).
import type { MiddlewareHandler } from 'hono';
import type { AdminRole } from '../domain/index.js';
import { type Actor, tokenMatches } from '../store/index.js';
import type { AppEnv } from './app-context.js';
import { problemBody, problemResponse } from './problem.js';

export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer[ ]+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

export interface AdminPrincipal {
  actor: Actor;
  /** null: a valid console token whose person holds no role now (every route but the public ones answers 403). */
  role: AdminRole | null;
}

/** The person behind a console access token, or null when the token is not one (unknown, expired, revoked). */
export type ConsoleTokenCheck = (token: string) => Promise<AdminPrincipal | null>;

export const ADMIN_TOKEN_PRINCIPAL: AdminPrincipal = { actor: { type: 'admin', id: 'admin' }, role: 'admin' };

export function adminAuth(getTokenHash: () => string, consoleToken?: ConsoleTokenCheck): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    const principal = !token ? null : tokenMatches(token, getTokenHash()) ? ADMIN_TOKEN_PRINCIPAL : ((await consoleToken?.(token)) ?? null);
    if (!principal) {
      const error = token ? 'invalid_token' : 'invalid_request';
      return problemResponse(
        problemBody(
          401,
          token ? 'invalid_token' : 'missing_token',
          token ? 'The token is not valid' : 'Send the admin token or a console access token as a Bearer token',
        ),
        { 'www-authenticate': `Bearer realm="jitbridge-admin", error="${error}"` },
      );
    }
    c.set('actor', principal.actor);
    c.set('adminRole', principal.role);
    await next();
  };
}
