// The connector test: reads the target's ServiceProviderConfig (RFC 7644 §5) and makes an authenticated
// request (a one-result Users query), so that a wrong URL or wrong credentials show before events flow.
// The answer carries only a stable code, the HTTP status and fixed words: nothing of the remote body, so that the
// test cannot be used to read what some service answers (SSRF); the outbound network rules apply (src/net).
import type { OutboundConnector } from './connector-config.js';
import { ScimClient, ScimRequestError } from './scim-client.js';
import { createTokenSource } from './token-source.js';

export type CheckCode =
  | 'ok'
  | 'features_missing'
  | 'credentials_refused'
  | 'http_error'
  | 'not_json'
  | 'timeout'
  | 'unreachable'
  | 'outbound_address_forbidden'
  | 'outbound_plain_http'
  | 'outbound_url_invalid';

export interface CheckEntry {
  name: 'serviceProviderConfig' | 'credentials';
  ok: boolean;
  code: CheckCode;
  /** The target's HTTP status, when it answered. */
  status: number | null;
  detail: string;
}

export interface ConnectorCheck {
  ok: boolean;
  checks: CheckEntry[];
  serviceProviderConfig: { patch: boolean; bulk: boolean; bulkMaxOperations: number | null; filter: boolean } | null;
}

export async function checkConnector(connector: OutboundConnector, options: { fetch: typeof fetch }): Promise<ConnectorCheck> {
  const timeoutMs = Math.min(connector.delivery.timeoutMs, 10_000);
  const tokens = createTokenSource(connector.auth, { timeoutMs, fetch: options.fetch });
  const client = new ScimClient({ baseUrl: connector.baseUrl, tokens, timeoutMs, fetch: options.fetch });
  const checks: CheckEntry[] = [];
  let spc: ConnectorCheck['serviceProviderConfig'] = null;
  try {
    const config = await client.serviceProviderConfig();
    spc = {
      patch: Boolean(config.patch?.supported),
      bulk: Boolean(config.bulk?.supported),
      bulkMaxOperations: config.bulk?.supported ? (config.bulk.maxOperations ?? null) : null,
      filter: Boolean(config.filter?.supported),
    };
    const missing = [!spc.patch && 'PATCH', !spc.filter && 'filter'].filter(Boolean);
    checks.push({
      name: 'serviceProviderConfig',
      ok: missing.length === 0,
      code: missing.length === 0 ? 'ok' : 'features_missing',
      status: 200,
      detail:
        missing.length === 0 ? 'PATCH and filter supported' : `the target does not advertise ${missing.join(' and ')}, which delivery uses`,
    });
  } catch (error) {
    checks.push({ name: 'serviceProviderConfig', ok: false, ...describe(error) });
  }
  try {
    await client.request('GET', '/Users?count=1&attributes=id');
    checks.push({ name: 'credentials', ok: true, code: 'ok', status: 200, detail: 'an authenticated Users query succeeded' });
  } catch (error) {
    checks.push({ name: 'credentials', ok: false, ...describe(error) });
  }
  return { ok: checks.every((c) => c.ok), checks, serviceProviderConfig: spc };
}

const DETAILS: Record<Exclude<CheckCode, 'ok' | 'features_missing'>, string> = {
  credentials_refused: 'the target refused the credentials',
  http_error: 'the target answered with an error status',
  not_json: 'the target answered something other than JSON',
  timeout: 'the target did not answer in time',
  unreachable: 'the target could not be reached (name, connection or TLS failed)',
  outbound_address_forbidden:
    'the target resolves to a network outbound requests may not reach (loopback, private, link-local, metadata); see OUTBOUND_ALLOWED_NETWORKS',
  outbound_plain_http: 'plain http is refused to this target; use https, or allow its network in OUTBOUND_ALLOWED_NETWORKS',
  outbound_url_invalid: 'the URL is not an absolute http(s) URL',
};

function describe(error: unknown): Pick<CheckEntry, 'code' | 'status' | 'detail'> {
  const code = codeOf(error);
  const status = error instanceof ScimRequestError ? error.status : null;
  return { code, status, detail: DETAILS[code] };
}

function codeOf(error: unknown): Exclude<CheckCode, 'ok' | 'features_missing'> {
  if (!(error instanceof ScimRequestError)) return 'unreachable';
  if (error.refusal) return error.refusal;
  if (error.status === 401 || error.status === 403) return 'credentials_refused';
  if (error.status === null) return /timed out/.test(error.message) ? 'timeout' : 'unreachable';
  return error.message.endsWith('answer is not JSON') ? 'not_json' : 'http_error';
}
