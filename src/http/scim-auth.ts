// Bearer authentication of /scim/v2 (RFC 7644 §2): SCIM client tokens, looked up by their SHA-256 digest,
// with scopes scim:read / scim:write and an optional restriction to some user stores.
// Lookups go through the instance's `scim-tokens` cache (src/cache) so a hot SCIM client costs no extra query per
// request; deleting or changing a client invalidates it here at once (other instances within CACHE_TTL_SECONDS).
import type { MiddlewareHandler } from 'hono';
import { cacheOf } from '../cache/index.js';
import { hashToken, findScimClientByTokenHash, touchScimClient, findUserStoreByDomain } from '../store/index.js';
import type { AppContext, AppEnv } from './app-context.js';
import { bearerToken } from './admin-auth.js';
import { scimErrorBody, scimErrorResponse } from './scim-error.js';

export const SCIM_SCOPES = ['scim:read', 'scim:write'] as const;
export type ScimScope = (typeof SCIM_SCOPES)[number];

export interface ScimPrincipal {
  id: string;
  name: string;
  scopes: ScimScope[];
  /** User store ids this client may see and write; null = every store. */
  userStoreIds: string[] | null;
}

export interface ScimEnv extends AppEnv {
  Variables: AppEnv['Variables'] & { scimClient: ScimPrincipal };
}

const TOUCH_INTERVAL_MS = 60_000;
// When each client's last_used_at was last written: a write throttle, not a cache (one entry per SCIM client).
const touched = new Map<string, number>();

async function lookup(ctx: AppContext, tokenHash: string): Promise<ScimPrincipal | null> {
  const row = await findScimClientByTokenHash(ctx.store.db, tokenHash);
  let principal: ScimPrincipal | null = null;
  if (row) {
    let userStoreIds: string[] | null = null;
    if (row.userStores) {
      userStoreIds = [];
      for (const domain of row.userStores) {
        const found = await findUserStoreByDomain(ctx.store.db, domain);
        if (found) userStoreIds.push(found.id);
      }
    }
    principal = {
      id: row.id,
      name: row.name,
      scopes: row.scopes.filter((s): s is ScimScope => (SCIM_SCOPES as readonly string[]).includes(s)),
      userStoreIds,
    };
  }
  return principal;
}

const unauthorized = (error: 'invalid_request' | 'invalid_token', detail: string) =>
  scimErrorResponse(scimErrorBody(401, detail), { 'www-authenticate': `Bearer realm="jitbridge-scim", error="${error}"` });

/** Authenticates the SCIM client; the scope a request needs is checked by `requireScope`. */
export function scimAuth(ctx: AppContext): MiddlewareHandler<ScimEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    if (!token) return unauthorized('invalid_request', 'Send a SCIM client token as a Bearer token');
    const tokenHash = hashToken(token);
    const now = Date.now();
    // A cached token (valid or not: unknown tokens are remembered as null) is answered without awaiting anything.
    const cache = cacheOf<ScimPrincipal | null>(ctx.store.db, 'scim-tokens');
    let principal = cache.get(tokenHash);
    if (principal === undefined) cache.set(tokenHash, (principal = await lookup(ctx, tokenHash)));
    if (!principal) return unauthorized('invalid_token', 'The SCIM token is not valid');
    c.set('scimClient', principal);
    c.set('actor', { type: 'scim_client', id: principal.id });
    const last = touched.get(principal.id) ?? 0;
    if (now - last > TOUCH_INTERVAL_MS) {
      touched.set(principal.id, now);
      touchScimClient(ctx.store.db, principal.id).catch(() => undefined);
    }
    await next();
  };
}

/** 403 unless the client holds the scope. */
export function hasScope(principal: ScimPrincipal, scope: ScimScope): boolean {
  return principal.scopes.includes(scope);
}
