// The connector test: reads the target's ServiceProviderConfig (RFC 7644 §5) and makes an authenticated
// request (a one-result Users query), so that a wrong URL or wrong credentials show before events flow.
import type { OutboundConnector } from './connector-config.js';
import { ScimClient, ScimRequestError } from './scim-client.js';
import { createTokenSource } from './token-source.js';

export interface ConnectorCheck {
  ok: boolean;
  checks: Array<{ name: 'serviceProviderConfig' | 'credentials'; ok: boolean; detail: string }>;
  serviceProviderConfig: { patch: boolean; bulk: boolean; bulkMaxOperations: number | null; filter: boolean } | null;
}

export async function checkConnector(connector: OutboundConnector, options: { fetch?: typeof fetch } = {}): Promise<ConnectorCheck> {
  const timeoutMs = Math.min(connector.delivery.timeoutMs, 10_000);
  const tokens = createTokenSource(connector.auth, { timeoutMs, fetch: options.fetch });
  const client = new ScimClient({ baseUrl: connector.baseUrl, tokens, timeoutMs, fetch: options.fetch });
  const checks: ConnectorCheck['checks'] = [];
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
      detail:
        missing.length === 0 ? 'PATCH and filter supported' : `the target does not advertise ${missing.join(' and ')}, which delivery uses`,
    });
  } catch (error) {
    checks.push({ name: 'serviceProviderConfig', ok: false, detail: describe(error) });
  }
  try {
    await client.request('GET', '/Users?count=1&attributes=id');
    checks.push({ name: 'credentials', ok: true, detail: 'an authenticated Users query succeeded' });
  } catch (error) {
    checks.push({ name: 'credentials', ok: false, detail: describe(error) });
  }
  return { ok: checks.every((c) => c.ok), checks, serviceProviderConfig: spc };
}

function describe(error: unknown): string {
  if (error instanceof ScimRequestError && (error.status === 401 || error.status === 403)) return `credentials refused (${error.status})`;
  return error instanceof Error ? error.message : String(error);
}
