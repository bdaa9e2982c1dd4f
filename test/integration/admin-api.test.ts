// The admin API skeleton: auth, problem+json, settings, user stores, health, metrics, docs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ label: 'admin_api' });
});
afterAll(async () => server?.stop());

const auditCount = async () =>
  ((await (await server.admin('GET', '/api/v1/audit-events?limit=500')).json()) as { items: unknown[] }).items.length;
const storeDomains = async () =>
  ((await (await server.admin('GET', '/api/v1/user-stores')).json()) as { items: Array<{ domain: string }> }).items.map((s) => s.domain);

describe('health, readiness, metrics', () => {
  it('answers /healthz and /readyz (which checks the database)', async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok' } });
  });

  it('exposes Prometheus metrics with request counts by route pattern', async () => {
    await server.admin('GET', '/api/v1/user-stores');
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/api\/v1\/user-stores",status="200"\} \d+/);
    expect(text).toContain('http_request_duration_seconds_bucket');
    expect(text).toContain('# TYPE jit_provisioning_total counter');
  });
});

describe('admin authentication', () => {
  it('refuses a request without a token with 401, WWW-Authenticate and problem+json', async () => {
    const response = await fetch(`${server.url}/api/v1/settings`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="jitbridge-admin", error="invalid_request"');
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 401, code: 'missing_token' });
  });

  it('refuses a wrong token and writes nothing', async () => {
    const before = await storeDomains();
    const response = await fetch(`${server.url}/api/v1/user-stores`, {
      method: 'POST',
      headers: { authorization: 'Bearer jba_wrong', 'content-type': 'application/json' },
      body: JSON.stringify({ domain: 'INTRUDERS' }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(await storeDomains()).toEqual(before);
  });

  it('serves the OpenAPI document without a token, and the docs page', async () => {
    const document = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toContain('/user-stores/{id}');
    const page = await fetch(`${server.url}/api/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/api/docs/swagger-ui-bundle.js');
    const bundle = await fetch(`${server.url}/api/docs/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toContain('javascript');
  });
});

describe('bad input on the admin API', () => {
  it('names unknown fields and wrong types, and writes nothing', async () => {
    const audits = await auditCount();
    const unknown = await server.admin('POST', '/api/v1/user-stores', { domain: 'SALES', colour: 'red' });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ code: 'validation_failed', errors: [{ field: 'colour', message: 'unknown field' }] });
    const wrongType = await server.admin('POST', '/api/v1/user-stores', { domain: 42 });
    expect(wrongType.status).toBe(400);
    expect(((await wrongType.json()) as { errors: Array<{ field: string }> }).errors[0]!.field).toBe('domain');
    expect(await storeDomains()).not.toContain('SALES');
    expect(await auditCount()).toBe(audits);
  });

  it('answers malformed JSON with 400, a wrong media type with 415, an oversized body with 413', async () => {
    const malformed = await server.admin('POST', '/api/v1/user-stores', '{"domain":');
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toBe('application/problem+json');
    expect(await malformed.json()).toMatchObject({ code: 'malformed_json' });

    const text = await server.admin('POST', '/api/v1/user-stores', 'domain=SALES', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(await text.json()).toMatchObject({ code: 'unsupported_media_type' });

    const huge = await server.admin('POST', '/api/v1/user-stores', { domain: 'BIG', description: 'x'.repeat(2 * 1024 * 1024) });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ code: 'payload_too_large' });
    expect(await storeDomains()).not.toContain('BIG');
  });

  it('answers unknown admin routes with problem+json 404', async () => {
    const response = await server.admin('GET', '/api/v1/nothing-here');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'route_not_found' });
  });
});

describe('/settings', () => {
  it('reads defaults and applies a JSON merge patch, null restoring a default', async () => {
    const initial = await (await server.admin('GET', '/api/v1/settings')).json();
    expect(initial).toEqual({
      jit: {
        preserveLocallyAddedClaims: false,
        associatingToExistingUser: false,
        enhancedFeature: false,
        usernameProvisioningUrl: null,
        passwordProvisioningUrl: null,
        idpDeleteThreshold: 100,
      },
    });
    const patched = await server.admin(
      'PATCH',
      '/api/v1/settings',
      { jit: { preserveLocallyAddedClaims: true, idpDeleteThreshold: 5 } },
      { 'content-type': 'application/merge-patch+json' },
    );
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({
      jit: { preserveLocallyAddedClaims: true, idpDeleteThreshold: 5, enhancedFeature: false },
    });
    const reset = await server.admin('PATCH', '/api/v1/settings', { jit: { idpDeleteThreshold: null } });
    expect(await reset.json()).toMatchObject({ jit: { preserveLocallyAddedClaims: true, idpDeleteThreshold: 100 } });
  });

  it('refuses unknown settings and bad values, naming them', async () => {
    const response = await server.admin('PATCH', '/api/v1/settings', { jit: { enhancedFeature: 'yes', turbo: true } });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ field: string }> };
    expect(body.errors.map((e) => e.field).sort()).toEqual(['jit.enhancedFeature', 'jit.turbo']);
    const url = await server.admin('PATCH', '/api/v1/settings', { jit: { usernameProvisioningUrl: 'not a url' } });
    expect(url.status).toBe(400);
  });
});

describe('/user-stores', () => {
  it('lists PRIMARY from the first start', async () => {
    expect(await storeDomains()).toContain('PRIMARY');
  });

  it('creates, reads, patches, replaces and deletes a store, auditing each change', async () => {
    const created = await server.admin('POST', '/api/v1/user-stores', { domain: 'employees', usernameRegex: '^[a-z][a-z0-9.]{2,30}$' });
    expect(created.status).toBe(201);
    const store = (await created.json()) as { id: string; domain: string };
    expect(store.domain).toBe('EMPLOYEES');
    expect(created.headers.get('location')).toBe(`${server.url}/api/v1/user-stores/${store.id}`);

    const duplicate = await server.admin('POST', '/api/v1/user-stores', { domain: 'Employees' });
    expect(duplicate.status).toBe(409);
    expect(await duplicate.json()).toMatchObject({ code: 'user_store_exists' });

    const patched = await server.admin('PATCH', `/api/v1/user-stores/${store.id}`, { description: 'Staff', rolenameRegex: '^[A-Za-z ]+$' });
    expect(await patched.json()).toMatchObject({
      description: 'Staff',
      usernameRegex: '^[a-z][a-z0-9.]{2,30}$',
      rolenameRegex: '^[A-Za-z ]+$',
    });

    const replaced = await server.admin('PUT', `/api/v1/user-stores/${store.id}`, { description: 'Replaced' });
    expect(await replaced.json()).toMatchObject({ description: 'Replaced', usernameRegex: null, rolenameRegex: null });

    const renamed = await server.admin('PUT', `/api/v1/user-stores/${store.id}`, { domain: 'OTHER' });
    expect(renamed.status).toBe(400);
    expect(await renamed.json()).toMatchObject({ code: 'domain_immutable' });

    expect((await server.admin('DELETE', `/api/v1/user-stores/${store.id}`)).status).toBe(204);
    expect((await server.admin('GET', `/api/v1/user-stores/${store.id}`)).status).toBe(404);

    const audit = (await (await server.admin('GET', `/api/v1/audit-events?targetId=${store.id}`)).json()) as {
      items: Array<{ action: string; actorType: string }>;
    };
    expect(audit.items.map((e) => e.action)).toEqual(['user_store.delete', 'user_store.update', 'user_store.update', 'user_store.create']);
    expect(audit.items.every((e) => e.actorType === 'admin')).toBe(true);
  });

  it('validates regexes when saved', async () => {
    const bad = await server.admin('POST', '/api/v1/user-stores', { domain: 'REGEX', usernameRegex: '([a-z' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'invalid_regex', errors: [{ field: 'usernameRegex' }] });
    expect(await storeDomains()).not.toContain('REGEX');
    const primary = (await (await server.admin('GET', '/api/v1/user-stores')).json()) as { items: Array<{ id: string; domain: string }> };
    const id = primary.items.find((s) => s.domain === 'PRIMARY')!.id;
    const badPatch = await server.admin('PATCH', `/api/v1/user-stores/${id}`, { rolenameRegex: '*oops' });
    expect(badPatch.status).toBe(400);
  });

  it('does not delete a store an IdP, a SCIM client or a connector still names (409 user_store_in_use)', async () => {
    const store = (await (await server.admin('POST', '/api/v1/user-stores', { domain: 'Contractors' })).json()) as { id: string };
    const idp = (await (
      await server.admin('POST', '/api/v1/identity-providers', {
        name: 'Contractor IdP',
        protocol: 'oidc',
        oidc: { issuer: 'https://contractors.example.com', clientId: 'c', clientSecret: 'a-long-enough-upstream-secret' },
        provisioning: { jit: { userstore: 'contractors' } },
      })
    ).json()) as { id: string };
    const client = (await (
      await server.admin('POST', '/api/v1/scim-clients', { name: 'Contractor HR', scopes: ['scim:read'], userStores: ['CONTRACTORS'] })
    ).json()) as { id: string };
    const connector = await server.admin('POST', '/api/v1/outbound-connectors', {
      name: 'Contractor push',
      baseUrl: 'https://downstream.example.com/scim/v2',
      auth: { type: 'bearer', token: 'a-downstream-bearer-token' },
      userStores: ['Contractors'],
    });
    expect(connector.status).toBe(201);
    const connectorId = ((await connector.json()) as { id: string }).id;
    const refused = await server.admin('DELETE', `/api/v1/user-stores/${store.id}`);
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await refused.json()) as { code: string; detail: string };
    expect(problem.code).toBe('user_store_in_use');
    expect(problem.detail).toContain("identity provider 'Contractor IdP'");
    expect(problem.detail).toContain("SCIM client 'Contractor HR'");
    expect(problem.detail).toContain("outbound connector 'Contractor push'");
    expect((await server.admin('GET', `/api/v1/user-stores/${store.id}`)).status).toBe(200);

    expect((await server.admin('DELETE', `/api/v1/identity-providers/${idp.id}`)).status).toBe(204);
    expect((await server.admin('DELETE', `/api/v1/scim-clients/${client.id}`)).status).toBe(204);
    expect((await server.admin('DELETE', `/api/v1/user-stores/${store.id}`)).status).toBe(409);
    expect((await server.admin('DELETE', `/api/v1/outbound-connectors/${connectorId}`)).status).toBe(204);
    expect((await server.admin('DELETE', `/api/v1/user-stores/${store.id}`)).status).toBe(204);
  });

  it('never deletes PRIMARY', async () => {
    const list = (await (await server.admin('GET', '/api/v1/user-stores')).json()) as { items: Array<{ id: string; domain: string }> };
    const primary = list.items.find((s) => s.domain === 'PRIMARY')!;
    const response = await server.admin('DELETE', `/api/v1/user-stores/${primary.id}`);
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ code: 'primary_user_store' });
  });

  it('answers a malformed id with 400 and an unknown one with 404', async () => {
    expect((await server.admin('GET', '/api/v1/user-stores/not-a-uuid')).status).toBe(400);
    const missing = await server.admin('GET', '/api/v1/user-stores/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'user_store_not_found' });
  });
});
