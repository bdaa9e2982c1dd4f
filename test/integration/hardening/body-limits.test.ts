// One body limit in front of every route (issue 20): every POST/PUT/PATCH route of the app, found by walking the
// app's route table (a route added later is walked too), refuses a body over its limit with 413 in its protocol's
// format, before the body is read in full — the request below declares a huge Content-Length, sends a few bytes and
// waits: the answer comes while most of the body was never sent. A body without Content-Length is cut at the limit.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyLimitRules } from '../../../src/body-limit-rules.js';
import { bodyLimitRuleFor } from '../../../src/http/index.js';
import { startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ label: 'body_limits', config: { loginBodyLimitBytes: 16 * 1024 } });
});
afterAll(async () => server?.stop());

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Bytes of the body the client had written when the answer came. */
  sent: number;
}

/** Declares `declared` bytes (or sends chunked when null), writes up to `send` bytes while no answer has come. */
function oversized(method: string, path: string, declared: number | null, send: number, contentType: string): Promise<Answer> {
  const url = new URL(path, server.url);
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = request(
      url,
      {
        method,
        headers: {
          'content-type': contentType,
          ...(declared !== null ? { 'content-length': String(declared) } : {}),
          authorization: path.startsWith('/api/') ? 'Bearer jba_test_admin_token_0123456789abcdefghijklmnop' : 'Bearer x',
        },
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), sent });
          req.destroy();
        });
      },
    );
    req.on('error', (error) => (answered ? undefined : reject(error)));
    const chunk = Buffer.alloc(8 * 1024, 'a');
    const pump = () => {
      while (!answered && sent < send) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
    };
    pump();
  });
}

const concrete = (path: string) =>
  path
    .replace(/:[A-Za-z]+(\{[^}]*\})?/g, '00000000-0000-4000-8000-000000000000')
    .replace(/\*$/, 'token')
    .replace(/\/$/, '') || '/';

describe('body limits', () => {
  it('every POST/PUT/PATCH route refuses an oversized declared body with 413 in its format, before reading it', async () => {
    const rules = bodyLimitRules(server.ctx);
    const routes = server.app.routes.filter(
      (r) => ['POST', 'PUT', 'PATCH'].includes(r.method) || (r.method === 'ALL' && r.path.startsWith('/oidc')),
    );
    const paths = [...new Set(routes.map((r) => `${r.method === 'ALL' ? 'POST' : r.method} ${concrete(r.path)}`))];
    expect(paths.length).toBeGreaterThan(30);
    // The LOCAL sign-in and prompt forms, which once read any body in full, are among them.
    expect(paths).toEqual(
      expect.arrayContaining(['POST /login/00000000-0000-4000-8000-000000000000/local', 'POST /login/provisioning/complete']),
    );
    for (const entry of paths) {
      const [method, path] = entry.split(' ') as [string, string];
      const rule = bodyLimitRuleFor(rules, path)!;
      const json = path.startsWith('/api/') || path.startsWith('/scim/');
      const answer = await oversized(
        method,
        path,
        200 * 1024 * 1024,
        64 * 1024,
        json ? 'application/json' : 'application/x-www-form-urlencoded',
      );
      expect(answer.status, entry).toBe(413);
      expect(answer.sent, entry).toBeLessThan(200 * 1024 * 1024);
      const type = String(answer.headers['content-type']);
      if (path.startsWith('/api/')) expect(type, entry).toContain('application/problem+json');
      else if (path.startsWith('/scim/')) {
        expect(type, entry).toContain('application/scim+json');
        expect(JSON.parse(answer.body)).toMatchObject({ status: '413' });
      } else if (path.startsWith('/oidc')) expect(JSON.parse(answer.body), entry).toMatchObject({ error: 'invalid_request' });
      else {
        expect(type, entry).toContain('text/html');
        expect(answer.body, entry).toContain('The form was too large');
      }
      expect(rule.maxBytes).toBeLessThan(200 * 1024 * 1024);
    }
  });

  it('a /login form without Content-Length is cut at the small form limit (16 KiB here), answered with the page', async () => {
    const answer = await oversized('POST', '/login/some-uid/local', null, 50 * 1024 * 1024, 'application/x-www-form-urlencoded');
    expect(answer.status).toBe(413);
    expect(answer.body).toContain('The form was too large');
    expect(answer.sent).toBeLessThan(50 * 1024 * 1024);
  });

  it('a SCIM body without Content-Length is cut at the SCIM limit, answered with SCIM error JSON', async () => {
    const scim = await server.admin('POST', '/api/v1/scim-clients', { name: 'writer', scopes: ['scim:write'] });
    const token = ((await scim.json()) as { token: string }).token;
    const url = new URL('/scim/v2/Users', server.url);
    const answer = await new Promise<Answer>((resolve, reject) => {
      let sent = 0;
      let answered = false;
      const req = request(
        url,
        { method: 'POST', headers: { 'content-type': 'application/scim+json', authorization: `Bearer ${token}` } },
        (res) => {
          answered = true;
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString(), sent }));
        },
      );
      req.on('error', (error) => (answered ? undefined : reject(error)));
      const chunk = Buffer.alloc(64 * 1024, ' ');
      const pump = () => {
        while (!answered && sent < 64 * 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
      };
      pump();
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '413' });
    expect(answer.sent).toBeLessThan(64 * 1024 * 1024);
  });

  it('a small form still passes the limit (the LOCAL sign-in answers its own page, not 413)', async () => {
    const response = await fetch(`${server.url}/login/unknown-uid/local`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=a&password=b',
    });
    expect(response.status).not.toBe(413);
  });
});
