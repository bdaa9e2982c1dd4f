// Mounts oidc-provider (a plain Node handler) under Hono on @hono/node-server: the raw Node request and
// response go straight to it with the /oidc prefix stripped and `originalUrl` kept (so the URLs it
// builds keep the prefix). Hono never reads these bodies: oidc-provider parses the raw stream itself.
import type { Context } from 'hono';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { AppEnv } from '../http/index.js';
import type { ProviderHolder } from './provider.js';

export const OIDC_PREFIX = '/oidc';

// Pages oidc-provider renders (errors, logout) get the same protections as ours.
const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self' https: http:; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

export function oidcHandler(holder: ProviderHolder) {
  return async (c: Context<AppEnv>) => {
    const { callback } = await holder.get();
    const { incoming, outgoing } = c.env;
    const original = incoming.url ?? '/';
    (incoming as typeof incoming & { originalUrl?: string }).originalUrl = original;
    incoming.url = original.slice(OIDC_PREFIX.length) || '/';
    if (!incoming.url.startsWith('/')) incoming.url = `/${incoming.url}`;
    for (const [name, value] of Object.entries(PAGE_HEADERS)) outgoing.setHeader(name, value);
    const done = new Promise<void>((resolve) => {
      outgoing.once('finish', resolve);
      outgoing.once('close', resolve);
    });
    await callback(incoming, outgoing);
    await done;
    return RESPONSE_ALREADY_SENT;
  };
}
