// OTEL_EXPORTER_OTLP_ENDPOINT: a federated login through a real upstream OpenID Provider sends its spans to an
// OTLP/HTTP receiver this test runs (JSON encoding): a server span per request carrying the request id, the database
// statements and the upstream calls (discovery, JWKS, token) as spans of the same trace.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { federatedLogin } from '../support/federated-login.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { startUpstreamOp, type UpstreamOp, registerBridgeIdp } from '../support/upstream-op.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
}

const spans: OtlpSpan[] = [];
const contentTypes = new Set<string>();
let receiver: Server;
let server: TestServer | null = null;
let upstream: UpstreamOp;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

beforeAll(async () => {
  receiver = createServer(async (req, res) => {
    const body = await readBody(req);
    if (req.method === 'POST' && req.url === '/v1/traces') {
      contentTypes.add(String(req.headers['content-type']));
      const message = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
      for (const resource of message.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans);
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  [server, upstream] = await Promise.all([
    startTestServer({ label: 'tracing', config: { otelEndpoint: endpoint } }),
    startUpstreamOp({ claimsIn: 'userinfo' }),
  ]);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await upstream?.stop();
  receiver?.close();
});

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? (value?.intValue !== undefined ? Number(value.intValue) : undefined);
};

describe('OpenTelemetry traces', () => {
  it('a federated login: request, statement and upstream spans reach the receiver, linked', { timeout: 120_000 }, async () => {
    const idpId = await registerBridgeIdp(server!, upstream, 'Traced OP');
    upstream.setAccount('trace', { preferred_username: 'trace', email: 'trace@example.com', email_verified: true });
    const login = await federatedLogin(server!, { idpId, login: 'trace' });
    expect(login.result).toBeTruthy();

    // Stopping flushes the last spans.
    await server!.stop();
    server = null;

    expect([...contentTypes]).toEqual(['application/json']);
    const requests = spans.filter((s) => s.kind === 2); // SERVER
    expect(requests.length).toBeGreaterThan(2);
    for (const request of requests) expect(String(attribute(request, 'jitbridge.request_id'))).toMatch(/^[A-Za-z0-9._-]{8,}$/);
    const created201 = requests.find((s) => s.name === 'POST /api/v1/identity-providers');
    expect(created201 && attribute(created201, 'http.response.status_code')).toBe(201);

    // The callback: its trace holds the token call to the upstream and database statements, children of it.
    const callback = requests.find((s) => /callback/.test(s.name));
    expect(callback, requests.map((s) => s.name).join(', ')).toBeDefined();
    const inTrace = spans.filter((s) => s.traceId === callback!.traceId && s !== callback);
    const outgoing = inTrace.filter((s) => s.kind === 3); // CLIENT
    const upstreamCalls = outgoing.filter((s) => String(attribute(s, 'url.full')).startsWith(upstream.issuer));
    expect(upstreamCalls.map((s) => String(attribute(s, 'url.full')))).toEqual(expect.arrayContaining([expect.stringMatching(/token/)]));
    const statements = outgoing.filter((s) => attribute(s, 'db.system.name') === 'postgresql');
    expect(statements.length).toBeGreaterThan(0);
    expect(statements.every((s) => typeof attribute(s, 'db.query.text') === 'string')).toBe(true);
    // No query string of an upstream call is kept (codes, states).
    for (const call of spans.filter((s) => attribute(s, 'url.full') !== undefined))
      expect(String(attribute(call, 'url.full'))).not.toContain('?');

    // Discovery and JWKS: upstream calls too, each in the trace of the request that made it.
    const allUpstream = spans.filter((s) => s.kind === 3 && String(attribute(s, 'url.full')).startsWith(upstream.issuer));
    expect(allUpstream.some((s) => String(attribute(s, 'url.full')).includes('.well-known/openid-configuration'))).toBe(true);
    expect(allUpstream.some((s) => /jwks/.test(String(attribute(s, 'url.full'))))).toBe(true);
    const traceIds = new Set(requests.map((s) => s.traceId));
    // (The test's own browser also calls the upstream, outside any request: only jitbridge's calls are checked.)
    const bridgeCalls = allUpstream.filter((s) => /well-known|jwks|token/.test(String(attribute(s, 'url.full'))));
    expect(bridgeCalls.filter((s) => !traceIds.has(s.traceId) || !s.parentSpanId)).toEqual([]);
  });
});
