// Credentials toward a downstream: a static bearer token, or an OAuth 2.0 client-credentials grant
// (RFC 6749 §4.4, client_secret_basic) whose access token is cached until shortly before it expires.
import { outboundRefusalOf } from '../net/index.js';
import type { ConnectorAuth } from './connector-config.js';

export interface TokenSource {
  token(): Promise<string>;
  /** Forget a cached token the downstream refused (401), so the next call fetches a new one. */
  invalidate(): void;
}

export class TokenError extends Error {
  override name = 'TokenError';
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

export function createTokenSource(auth: ConnectorAuth, options: { timeoutMs: number; fetch?: typeof fetch }): TokenSource {
  if (auth.type === 'bearer') return { token: async () => auth.token, invalidate: () => {} };
  const doFetch = options.fetch ?? fetch;
  let cached: { value: string; expiresAt: number } | null = null;
  let inFlight: Promise<string> | null = null;
  const fetchToken = async (): Promise<string> => {
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (auth.scope) body.set('scope', auth.scope);
    const basic = Buffer.from(`${encodeURIComponent(auth.clientId)}:${encodeURIComponent(auth.clientSecret)}`).toString('base64');
    let response: Response;
    try {
      response = await doFetch(auth.tokenUrl, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      if (outboundRefusalOf(error)) throw error;
      throw new TokenError(`token endpoint unreachable: ${(error as Error).message}`, null);
    }
    const json = (await response.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string };
    if (!response.ok || typeof json.access_token !== 'string') {
      throw new TokenError(`token endpoint answered ${response.status}${json.error ? ` (${json.error})` : ''}`, response.status);
    }
    const lifetimeMs = (typeof json.expires_in === 'number' ? json.expires_in : 300) * 1000;
    // Renew a little early so that a token never expires on its way to the downstream.
    cached = { value: json.access_token, expiresAt: Date.now() + Math.max(lifetimeMs - 30_000, lifetimeMs / 2) };
    return json.access_token;
  };
  return {
    token: async () => {
      if (cached && cached.expiresAt > Date.now()) return cached.value;
      inFlight ??= fetchToken().finally(() => {
        inFlight = null;
      });
      return inFlight;
    },
    invalidate: () => {
      cached = null;
    },
  };
}
