// The AuthnRequest checks of the app-facing SAML IdP over the HTTP-POST binding (the Redirect binding is in
// saml-idp.test.ts) and on the request's envelope, each answered with the error page (never a redirect) and nothing
// recorded; ForceAuthn carried to the login; and SP metadata imported from a URL served by a local HTTP server.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateRawSync } from 'node:zlib';
import * as xmllint from '@authenio/samlify-node-xmllint';
import { eq, sql } from 'drizzle-orm';
import samlifyModule from 'samlify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samlIdpMessages } from '../../src/store/schema/index.js';
import { startTestServer, type TestServer } from '../support/server.js';

const samlify = samlifyModule as unknown as typeof import('samlify');
samlify.setSchemaValidator({ validate: (xmllint as unknown as { validate: (xml: string) => Promise<unknown> }).validate });

const pem = (name: string) => readFileSync(new URL(`../support/saml-keys/${name}.pem`, import.meta.url), 'utf8');
const SP_CERT = pem('idp-cert');
const SP_KEY = pem('idp-key');
const OTHER_KEY = pem('attacker-key');
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
const entityOf = (n: string) => `https://sp-${n}.example.test/metadata`;
const acsOf = (n: string) => `https://sp-${n}.example.test/acs`;

let server: TestServer;
let idpMetadata: string;
let metadataServer: Server;
let metadataBase: string;

function serviceProvider(n: string, options: { key?: string; sigAlg?: string; acs?: string } = {}) {
  return samlify.ServiceProvider({
    entityID: entityOf(n),
    assertionConsumerService: [{ Binding: POST, Location: options.acs ?? acsOf(n) }],
    authnRequestsSigned: true,
    wantAssertionsSigned: true,
    nameIDFormat: ['urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'],
    signingCert: SP_CERT,
    privateKey: options.key ?? SP_KEY,
    requestSignatureAlgorithm: options.sigAlg ?? 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  } as never);
}
const jitbridge = () =>
  samlify.IdentityProvider({ metadata: idpMetadata.replace('WantAuthnRequestsSigned="false"', 'WantAuthnRequestsSigned="true"') } as never);

async function register(n: string, saml: Record<string, unknown> = {}) {
  const response = await server.admin('POST', '/api/v1/applications', {
    protocol: 'saml',
    name: `SP ${n}`,
    saml: { entityId: entityOf(n), assertionConsumerServices: [{ url: acsOf(n) }], signingCertificates: [SP_CERT], ...saml },
  });
  expect(response.status, await response.clone().text()).toBe(201);
}

const messages = async () => Number((await server.ctx.store.db.select({ n: sql<number>`count(*)` }).from(samlIdpMessages))[0]!.n);
const postRequest = (samlRequest: string, relayState?: string) =>
  fetch(`${server.url}/saml/sso`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ SAMLRequest: samlRequest, ...(relayState !== undefined ? { RelayState: relayState } : {}) }),
  });
/** Refused with the error page: its status and code, HTML for a person, no redirect, nothing recorded. */
async function refusal(send: () => Promise<Response>): Promise<[number, string | null]> {
  const before = await messages();
  const response = await send();
  expect(response.headers.get('location')).toBeNull();
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  expect(await response.text()).toContain('<html');
  expect(await messages()).toBe(before);
  return [response.status, response.headers.get('x-saml-error')];
}
/** An unsigned AuthnRequest written by hand (for what no SP library would send), over the Redirect binding. */
function handmade(n: string, attributes: Record<string, string> = {}, inner = ''): string {
  const attrs = {
    ID: `_hand${Math.random().toString(16).slice(2)}`,
    Version: '2.0',
    IssueInstant: new Date().toISOString(),
    Destination: `${server.url}/saml/sso`,
    ...attributes,
  };
  const xml = `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ${Object.entries(
    attrs,
  )
    .map(([k, v]) => `${k}="${v}"`)
    .join(' ')}><saml:Issuer>${entityOf(n)}</saml:Issuer>${inner}</samlp:AuthnRequest>`;
  return `${server.url}/saml/sso?SAMLRequest=${encodeURIComponent(deflateRawSync(xml).toString('base64'))}`;
}
const get = (url: string) => fetch(url, { redirect: 'manual' });

beforeAll(async () => {
  server = await startTestServer({ label: 'saml_idp_checks' });
  idpMetadata = await (await get(`${server.url}/saml/metadata`)).text();
  await register('signing', { wantAuthnRequestsSigned: true });
  await register('open', {
    assertionConsumerServices: [
      { url: acsOf('open'), index: 1 },
      { url: `${acsOf('open')}/2`, index: 2 },
    ],
  });

  // An SP publishing its metadata, the way an admin points jitbridge at it.
  const published = samlify
    .ServiceProvider({
      entityID: entityOf('published'),
      assertionConsumerService: [
        { Binding: POST, Location: acsOf('published'), isDefault: true },
        { Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact', Location: `${acsOf('published')}/artifact` },
      ],
      singleLogoutService: [{ Binding: REDIRECT, Location: 'https://sp-published.example.test/slo' }],
      authnRequestsSigned: true,
      wantAssertionsSigned: true,
      nameIDFormat: ['urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'],
      signingCert: SP_CERT,
      encryptCert: SP_CERT,
    } as never)
    .getMetadata();
  metadataServer = createServer((request, response) => {
    if (request.url === '/metadata') response.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(published);
    else if (request.url === '/moved') response.writeHead(302, { location: '/metadata' }).end();
    else if (request.url === '/huge')
      response.writeHead(200, { 'content-type': 'application/xml' }).end('<x>'.padEnd(2 * 1024 * 1024, ' '));
    else if (request.url === '/endless') {
      // No content-length, and no end: only a reader that stops at its limit gets past this one.
      response.writeHead(200, { 'content-type': 'application/xml' });
      const chunk = '<x>'.padEnd(64 * 1024, ' ');
      const more = () => {
        while (!response.destroyed && response.write(chunk));
        if (!response.destroyed) response.once('drain', more);
      };
      more();
    } else if (request.url === '/broken') {
      // Headers, part of a body, then the connection drops.
      response.writeHead(200, { 'content-type': 'application/xml' });
      response.write('<md:EntityDescriptor', () => response.socket?.destroy());
    } else if (request.url === '/not-metadata')
      response.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>hi</body></html>');
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => metadataServer.listen(0, '127.0.0.1', resolve));
  metadataBase = `http://127.0.0.1:${(metadataServer.address() as AddressInfo).port}`;
}, 180_000);
afterAll(async () => {
  await new Promise<void>((resolve) => metadataServer?.close(() => resolve()));
  await server?.stop();
});

describe('AuthnRequest checks over HTTP-POST', () => {
  it('refuses an unsigned request to an SP that must sign, a bad signature, SHA-1, an unregistered ACS, a replay', async () => {
    const unsigned = samlify
      .ServiceProvider({
        entityID: entityOf('signing'),
        assertionConsumerService: [{ Binding: POST, Location: acsOf('signing') }],
      } as never)
      .createLoginRequest(samlify.IdentityProvider({ metadata: idpMetadata } as never), 'post') as unknown as { context: string };
    expect(await refusal(() => postRequest(unsigned.context))).toEqual([400, 'saml_unsigned_request']);

    const forged = serviceProvider('signing', { key: OTHER_KEY }).createLoginRequest(jitbridge(), 'post') as unknown as { context: string };
    expect(await refusal(() => postRequest(forged.context))).toEqual([400, 'saml_bad_signature']);

    // A signature that was valid, over a request changed afterwards (another ACS slipped in).
    const good = serviceProvider('signing').createLoginRequest(jitbridge(), 'post') as unknown as { context: string };
    const tampered = Buffer.from(
      Buffer.from(good.context, 'base64').toString().replace(acsOf('signing'), 'https://evil.example.test/acs'),
    ).toString('base64');
    expect(await refusal(() => postRequest(tampered))).toEqual([400, 'saml_bad_signature']);

    const weak = serviceProvider('signing', { sigAlg: RSA_SHA1 }).createLoginRequest(jitbridge(), 'post') as unknown as { context: string };
    expect(await refusal(() => postRequest(weak.context))).toEqual([400, 'saml_weak_signature_algorithm']);

    const elsewhere = serviceProvider('signing', { acs: 'https://evil.example.test/acs' }).createLoginRequest(
      jitbridge(),
      'post',
    ) as unknown as {
      context: string;
    };
    expect(await refusal(() => postRequest(elsewhere.context))).toEqual([400, 'saml_unregistered_acs']);

    const request = serviceProvider('signing').createLoginRequest(jitbridge(), 'post') as unknown as { id: string; context: string };
    expect((await postRequest(request.context, 'state')).status).toBe(303); // accepted: on to the login
    const [recorded] = await server.ctx.store.db.select().from(samlIdpMessages).where(eq(samlIdpMessages.messageId, request.id));
    expect(recorded).toBeDefined();
    expect(await refusal(() => postRequest(request.context, 'state'))).toEqual([400, 'saml_request_replayed']);
  });
});

describe('AuthnRequest envelope and ACS', () => {
  it('refuses an unknown SP with the error page, not a redirect', async () => {
    expect(await refusal(() => get(handmade('nobody')))).toEqual([404, 'saml_unknown_sp']);
  });

  it('refuses another Destination, a stale or a future IssueInstant', async () => {
    expect(await refusal(() => get(handmade('open', { Destination: 'https://other.example.test/sso' })))).toEqual([
      400,
      'saml_wrong_destination',
    ]);
    const old = new Date(Date.now() - 60 * 60_000).toISOString();
    expect(await refusal(() => get(handmade('open', { IssueInstant: old })))).toEqual([400, 'saml_request_expired']);
    const future = new Date(Date.now() + 60 * 60_000).toISOString();
    expect(await refusal(() => get(handmade('open', { IssueInstant: future })))).toEqual([400, 'saml_request_not_yet_valid']);
  });

  it('answers only at a registered ACS: by URL, by index, never both, and by HTTP-POST only', async () => {
    expect(await refusal(() => get(handmade('open', { AssertionConsumerServiceIndex: '7' })))).toEqual([400, 'saml_unregistered_acs']);
    expect(
      await refusal(() => get(handmade('open', { AssertionConsumerServiceIndex: '1', AssertionConsumerServiceURL: acsOf('open') }))),
    ).toEqual([400, 'saml_acs_ambiguous']);
    expect(
      await refusal(() =>
        get(
          handmade('open', {
            AssertionConsumerServiceURL: acsOf('open'),
            ProtocolBinding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact',
          }),
        ),
      ),
    ).toEqual([400, 'saml_unsupported_binding']);
    expect(await refusal(() => get(`${handmade('open')}&RelayState=${'x'.repeat(1100)}`))).toEqual([400, 'saml_relay_state_too_long']);

    // The registered index 2 is where the answer will go; ForceAuthn is carried to the login.
    const id = '_byindex2';
    const started = await get(handmade('open', { ID: id, AssertionConsumerServiceIndex: '2', ForceAuthn: 'true' }));
    expect(started.status).toBe(303);
    expect(new URL(started.headers.get('location')!).searchParams.get('prompt')).toBe('login');
    const [row] = await server.ctx.store.db.select().from(samlIdpMessages).where(eq(samlIdpMessages.messageId, id));
    expect(row!.state).toMatchObject({ acsUrl: `${acsOf('open')}/2`, forceAuthn: true, isPassive: false });
  });
});

describe('SP metadata from a URL', () => {
  const create = (saml: Record<string, unknown>, name = 'From a URL') =>
    server.admin('POST', '/api/v1/applications', { protocol: 'saml', name, saml });

  it('fetches the metadata a samlify SP publishes and registers the SP from it', async () => {
    const response = await create({ metadata: { url: `${metadataBase}/metadata` } });
    const app = (await response.json()) as Record<string, any>;
    expect(response.status, JSON.stringify(app)).toBe(201);
    expect(app.saml).toMatchObject({
      entityId: entityOf('published'),
      assertionConsumerServices: [{ binding: 'HTTP-POST', url: acsOf('published'), index: 0, isDefault: true }],
      singleLogoutService: { binding: 'HTTP-Redirect', url: 'https://sp-published.example.test/slo' },
      wantAuthnRequestsSigned: true,
      nameId: { format: 'emailAddress', source: '$primaryEmail' },
    });
    expect(app.saml.signingCertificates).toHaveLength(1);
    expect(app.saml.encryptionCertificate).toContain('BEGIN CERTIFICATE');
    expect(app.warnings).toContainEqual(expect.objectContaining({ code: 'acs_binding_ignored' }));
  });

  it('refuses a redirect, an error answer, a document too large, a page that is not metadata, and both xml and url', async () => {
    const refused = async (saml: Record<string, unknown>) => {
      const response = await create(saml, 'Refused');
      expect(response.status).toBe(400);
      return ((await response.json()) as { errors: Array<{ field: string; message: string }> }).errors;
    };
    expect(await refused({ metadata: { url: `${metadataBase}/moved` } })).toEqual([
      { field: 'saml.metadata.url', message: expect.stringContaining('could not be fetched') },
    ]);
    expect(await refused({ metadata: { url: `${metadataBase}/missing` } })).toEqual([
      { field: 'saml.metadata.url', message: 'The metadata URL answered 404' },
    ]);
    expect(await refused({ metadata: { url: `${metadataBase}/huge` } })).toEqual([
      { field: 'saml.metadata.url', message: 'The metadata document is too large' },
    ]);
    expect(await refused({ metadata: { url: `${metadataBase}/endless` } })).toEqual([
      { field: 'saml.metadata.url', message: 'The metadata document is too large' },
    ]);
    expect(await refused({ metadata: { url: `${metadataBase}/broken` } })).toEqual([
      { field: 'saml.metadata.url', message: 'The metadata could not be fetched (connection failed)' },
    ]);
    expect(await refused({ metadata: { url: `${metadataBase}/not-metadata` } })).toEqual([
      { field: 'saml.metadata.url', message: expect.stringContaining('metadata') },
    ]);
    expect(await refused({ metadata: { url: `${metadataBase}/metadata`, xml: '<x/>' } })).toEqual([
      { field: 'saml.metadata', message: 'give either xml or url' },
    ]);
    const names = ((await (await server.admin('GET', '/api/v1/applications')).json()) as { items: Array<{ name: string }> }).items.map(
      (a) => a.name,
    );
    expect(names).not.toContain('Refused');
  });
});
