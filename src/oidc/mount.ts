// Mounts oidc-provider (a plain Node handler) under Hono on @hono/node-server: the raw Node request and
// response go straight to it with the /oidc prefix stripped and `originalUrl` kept (so the URLs it
// builds keep the prefix). Hono never reads these bodies: oidc-provider parses the raw stream itself.
import type { Context } from 'hono';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { AppEnv } from '../http/index.js';
import { AppError, RetryLaterError } from '../domain/index.js';
import type { Store } from '../store/index.js';
import type { ProviderHolder } from './provider.js';
import { digestPresentedClientSecrets } from './client-secret-digest.js';

export const OIDC_PREFIX = '/oidc';

// Pages oidc-provider renders (errors, logout) get the same protections as ours.
const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self' https: http:; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

/** An error of our own step in front of oidc-provider, as the OAuth error JSON oidc-provider would answer. */
function oauthError(error: AppError): Response {
  const code = error.status === 503 ? 'temporarily_unavailable' : error.status === 413 ? 'invalid_request' : 'server_error';
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };
  if (error instanceof RetryLaterError) Object.assign(headers, error.headers);
  if (error.status === 413) headers.connection = 'close';
  return new Response(JSON.stringify({ error: code, error_description: error.message }), { status: error.status, headers });
}

export function oidcHandler(holder: ProviderHolder, store: Store) {
  return async (c: Context<AppEnv>) => {
    const { callback } = await holder.get();
    const { incoming, outgoing } = c.env;
    try {
      await digestPresentedClientSecrets(store, incoming);
    } catch (error) {
      if (error instanceof AppError && error.expose) return oauthError(error);
      if (error instanceof RetryLaterError) return oauthError(error);
      throw error;
    }
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
