// jitbridge as a SAML 2.0 IdP toward apps, at the protocol level: a real samlify ServiceProvider builds the
// requests and validates the responses with its own library. The browser login itself is tested end to end in
// test/e2e/saml-apps-*.test.ts; here a sign-in is finished by calling SamlSso.finish with a person, as the login does.
import { readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { DOMParser } from '@xmldom/xmldom';
import { eq } from 'drizzle-orm';
import samlifyModule from 'samlify';
import * as xmllint from '@authenio/samlify-node-xmllint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignedXml } from 'xml-crypto';
import { createSamlSlo, createSamlSso, type SamlSso } from '../../src/saml-idp/index.js';
import { samlIdpMessages } from '../../src/store/schema/index.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { CookieJar, send } from '../support/federated-login.js';

const samlify = samlifyModule as unknown as typeof import('samlify');
samlify.setSchemaValidator({ validate: (xmllint as unknown as { validate: (xml: string) => Promise<unknown> }).validate });

const pem = (name: string) => readFileSync(new URL(`../support/saml-keys/${name}.pem`, import.meta.url), 'utf8');
const SP_CERT = pem('idp-cert');
const SP_KEY = pem('idp-key');
const OTHER_KEY = pem('attacker-key');
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';

let server: TestServer;
let sso: SamlSso;
let idpMetadata: string;

const spEntityId = (n: string) => `https://sp-${n}.example.test/metadata`;
const acsOf = (n: string) => `https://sp-${n}.example.test/acs`;

function serviceProvider(n: string, options: { sign?: boolean; key?: string; sigAlg?: string; slo?: boolean } = {}) {
  return samlify.ServiceProvider({
    entityID: spEntityId(n),
    assertionConsumerService: [{ Binding: POST, Location: acsOf(n) }],
    singleLogoutService: options.slo
      ? [{ Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', Location: `https://sp-${n}.example.test/slo` }]
      : [],
    authnRequestsSigned: options.sign ?? false,
    wantAssertionsSigned: true,
    nameIDFormat: ['urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'],
    signingCert: SP_CERT,
    privateKey: options.key ?? SP_KEY,
    requestSignatureAlgorithm: options.sigAlg ?? 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    wantLogoutResponseSigned: true,
    wantLogoutRequestSigned: true,
  } as Parameters<typeof samlify.ServiceProvider>[0]);
}
/** jitbridge as the SP's library sees it; `signed`: for an SP that signs its AuthnRequests (samlify wants the flags to agree). */
const jitbridge = (signed = false) =>
  samlify.IdentityProvider({
    metadata: signed ? idpMetadata.replace('WantAuthnRequestsSigned="false"', 'WantAuthnRequestsSigned="true"') : idpMetadata,
    wantLogoutRequestSigned: true,
    wantLogoutResponseSigned: true,
  } as never);

/**
 * jitbridge as seen by an SP that verifies HTTP-Redirect signatures with samlify: its Redirect verifier takes one
 * certificate, not the list metadata publishes (current, next, previous), so that SP is given the current key alone.
 */
async function jitbridgeCurrentKey() {
  const keys = (await (await server.admin('GET', '/api/v1/saml-idp/keys')).json()) as { items: { status: string; certificate: string }[] };
  const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
  return samlify.IdentityProvider({
    entityID: `${server.url}/saml/metadata`,
    signingCert: keys.items.find((k) => k.status === 'current')!.certificate,
    singleSignOnService: [{ Binding: REDIRECT, Location: `${server.url}/saml/sso` }],
    singleLogoutService: [{ Binding: REDIRECT, Location: `${server.url}/saml/slo` }],
    wantLogoutRequestSigned: true,
    wantLogoutResponseSigned: true,
  } as never);
}

async function registerApp(n: string, saml: Record<string, unknown> = {}) {
  const response = await server.admin('POST', '/api/v1/applications', {
    protocol: 'saml',
    name: `SP ${n}`,
    saml: { entityId: spEntityId(n), assertionConsumerServices: [{ url: acsOf(n) }], signingCertificates: [SP_CERT], ...saml },
  });
  const body = (await response.json()) as Record<string, any>;
  expect(response.status, JSON.stringify(body)).toBe(201);
  return body;
}

const get = (url: string) => fetch(url, { redirect: 'manual' });
const postForm = (url: string, fields: Record<string, string>) =>
  fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });

/** The login's part: the handle of the request the SP sent (by its ID), then SamlSso.finish with a person. */
async function handleOf(requestId: string): Promise<string> {
  const [row] = await server.ctx.store.db.select().from(samlIdpMessages).where(eq(samlIdpMessages.messageId, requestId));
  return row!.id;
}
const person = {
  accountId: '2f1c7a52-8d59-4a4e-9d57-4f8c1ab0a001',
  user: {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: 'alice',
    name: { givenName: 'Alice', familyName: 'Liddell' },
    emails: [{ value: 'alice@example.test', primary: true }],
  },
  groups: ['staff', 'admins'],
  authTime: new Date(),
  mfa: false,
  loginSessionId: 'login-session-1',
};

function formFields(html: string): { action: string; fields: Record<string, string> } {
  const action = /<form[^>]*action="([^"]+)"/.exec(html)![1]!.replace(/&amp;/g, '&');
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
    fields[match[1]!] = match[2]!
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>');
  }
  return { action, fields };
}

beforeAll(async () => {
  server = await startTestServer({ label: 'saml_idp' });
  // Finishes the requests the server's own SSO stored (the login itself is tested in test/e2e/saml-apps-*.test.ts).
  const starter = { start: () => Promise.reject(new Error('this test finishes stored requests; it starts none')) };
  sso = createSamlSso({ store: server.ctx.store, publicUrl: server.url, starter });
  idpMetadata = await (await get(`${server.url}/saml/metadata`)).text();
}, 180_000);
afterAll(() => server?.stop());

describe('SAML applications in the admin API', () => {
  it('registers a SAML app by hand, shows certificate expiry and the IdP endpoints, lists it beside OIDC apps', async () => {
    const app = await registerApp('hand', { attributes: [{ name: 'groups', value: '$groups' }] });
    expect(app.protocol).toBe('saml');
    expect(app.saml.nameId).toEqual({ format: 'persistent', source: '$pairwise' });
    expect(app.saml.certificates[0]).toMatchObject({ use: 'signing', expired: false });
    expect(app.idp.ssoUrl).toBe(`${server.url}/saml/sso`);
    expect(app.saml.idpInitiated).toEqual({ enabled: false, defaultRelayState: null });
    const oidc = await server.admin('POST', '/api/v1/applications', { name: 'OIDC beside', redirectUris: ['https://rp.example.test/cb'] });
    expect(oidc.status).toBe(201);
    expect(((await oidc.json()) as { protocol: string }).protocol).toBe('oidc');
    const list = (await (await server.admin('GET', '/api/v1/applications')).json()) as { items: { protocol: string }[] };
    expect(new Set(list.items.map((i) => i.protocol))).toEqual(new Set(['oidc', 'saml']));
  });

  it('refuses bad settings with field paths, and a second app with the same entity ID', async () => {
    const bad = await server.admin('POST', '/api/v1/applications', {
      protocol: 'saml',
      name: 'bad',
      saml: {
        entityId: 'https://bad.example.test',
        assertionConsumerServices: [{ url: 'javascript:alert(1)' }],
        signingCertificates: ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'],
        signResponse: false,
        signAssertion: false,
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await bad.json()) as { code: string; errors: { field: string }[] };
    expect(problem.errors.map((e) => e.field)).toContain('saml.assertionConsumerServices.0.url');
    const crossField = await server.admin('POST', '/api/v1/applications', {
      protocol: 'saml',
      name: 'bad2',
      saml: {
        entityId: 'https://bad2.example.test',
        assertionConsumerServices: [{ url: 'https://bad2.example.test/acs' }],
        signingCertificates: ['not a cert'],
        wantAuthnRequestsSigned: true,
        signResponse: false,
        signAssertion: false,
        encryption: { algorithm: 'aes256-gcm' },
      },
    });
    const fields = ((await crossField.json()) as { errors: { field: string }[] }).errors.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['saml.signingCertificates.0', 'saml.signAssertion', 'saml.encryption']));
    await registerApp('dup');
    const again = await server.admin('POST', '/api/v1/applications', {
      protocol: 'saml',
      name: 'dup 2',
      saml: { entityId: spEntityId('dup'), assertionConsumerServices: [{ url: acsOf('dup') }] },
    });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { code: string }).code).toBe('saml_entity_id_taken');
  });

  it('imports an SP from its metadata XML', async () => {
    const sp = serviceProvider('import', { sign: true });
    const response = await server.admin('POST', '/api/v1/applications', {
      protocol: 'saml',
      name: 'Imported',
      saml: { metadata: { xml: sp.getMetadata() } },
    });
    const app = (await response.json()) as Record<string, any>;
    expect(response.status, JSON.stringify(app)).toBe(201);
    expect(app.saml.entityId).toBe(spEntityId('import'));
    expect(app.saml.assertionConsumerServices).toEqual([{ binding: 'HTTP-POST', url: acsOf('import'), index: 0, isDefault: false }]);
    expect(app.saml.wantAuthnRequestsSigned).toBe(true);
    expect(app.saml.signingCertificates).toHaveLength(1);
  });

  it('changes a SAML app with a merge patch and keeps its protocol', async () => {
    const app = await registerApp('patch');
    const patched = await server.admin('PATCH', `/api/v1/applications/${app.id}`, { saml: { assertionLifetimeSeconds: 120 } });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as Record<string, any>).saml.assertionLifetimeSeconds).toBe(120);
    const wrong = await server.admin('PUT', `/api/v1/applications/${app.id}`, { name: 'x', redirectUris: ['https://x.example.test/cb'] });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { code: string }).code).toBe('protocol_immutable');
  });
});

describe('IdP keys and metadata', () => {
  it('publishes current and next keys; rotation promotes next and keeps the previous for the overlap window', async () => {
    const before = (await (await server.admin('GET', '/api/v1/saml-idp/keys')).json()) as { items: { kid: string; status: string }[] };
    expect(before.items.map((k) => k.status)).toEqual(['current', 'next']);
    const metadata = samlify.IdPMetadata(idpMetadata);
    expect(metadata.getX509Certificate('signing')).toHaveLength(2);
    const rotated = await server.admin('POST', '/api/v1/saml-idp/keys/rotate', { keepPreviousSeconds: 3600 });
    expect(rotated.status).toBe(200);
    const after = ((await rotated.json()) as { items: { kid: string; status: string }[] }).items;
    expect(after.find((k) => k.status === 'current')!.kid).toBe(before.items.find((k) => k.status === 'next')!.kid);
    expect(after.find((k) => k.status === 'previous')!.kid).toBe(before.items.find((k) => k.status === 'current')!.kid);
    idpMetadata = await (await get(`${server.url}/saml/metadata`)).text();
    expect(samlify.IdPMetadata(idpMetadata).getX509Certificate('signing')).toHaveLength(3);
  });

  // samlify's own verifier reads only Response/Request signatures, so the metadata signature is checked with
  // xml-crypto, the library samlify signs with, against the current key the admin API shows.
  it('signs metadata on request with the current key', async () => {
    const signed = await (await get(`${server.url}/saml/metadata?signed=true`)).text();
    expect(signed).toContain('<ds:Signature');
    expect(signed).toContain('rsa-sha256');
    const keys = (await (await server.admin('GET', '/api/v1/saml-idp/keys')).json()) as {
      items: { status: string; certificate: string }[];
    };
    const current = keys.items.find((k) => k.status === 'current')!.certificate;
    const verify = (xml: string, cert: string) => {
      const doc = new DOMParser().parseFromString(xml, 'text/xml');
      const signature = doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature')[0]!;
      const verifier = new SignedXml({ publicCert: cert });
      verifier.loadSignature(signature as never);
      try {
        return { ok: verifier.checkSignature(xml), references: verifier.getReferences().map((r) => r.uri) };
      } catch {
        return { ok: false, references: [] };
      }
    };
    const root = new DOMParser().parseFromString(signed, 'text/xml').documentElement!;
    expect(root.getAttribute('validUntil')).toMatch(/^\d{4}-/);
    expect(verify(signed, current)).toEqual({ ok: true, references: [`#${root.getAttribute('ID')}`] });
    // Signed over the whole document: another SSO URL breaks it, and so does another key.
    expect(verify(signed.replace(/Location="[^"]*\/saml\/sso"/, 'Location="https://evil.example.test/sso"'), current).ok).toBe(false);
    expect(verify(signed, SP_CERT).ok).toBe(false);
    // Still metadata a samlify SP reads, with every published key.
    expect(samlify.IdPMetadata(signed).getX509Certificate('signing').length).toBeGreaterThanOrEqual(2);
  });
});

describe('SSO: AuthnRequest checks and the Response a samlify SP accepts', () => {
  it('answers a Redirect-binding request, after the login, with a signed Response the SP validates', async () => {
    await registerApp('redirect', {
      attributes: [
        { name: 'groups', value: '$groups' },
        { name: 'mail', nameFormat: 'basic', value: 'emails[primary eq true].value' },
      ],
    });
    const sp = serviceProvider('redirect');
    const { id, context } = sp.createLoginRequest(jitbridge(), 'redirect', { relayState: 'keep me exactly/?&=' } as never) as {
      id: string;
      context: string;
    };
    const started = await get(context);
    // On to the OIDC login as the SAML app's client (the browser part is in test/e2e/saml-apps-sign-in.test.ts).
    expect(started.status).toBe(303);
    const login = new URL(started.headers.get('location')!);
    expect(`${login.origin}${login.pathname}`).toBe(`${server.url}/oidc/auth`);
    expect(login.searchParams.get('client_id')).toMatch(/^saml:/);
    expect(login.searchParams.get('redirect_uri')).toBe(`${server.url}/saml/sso/return`);
    const answer = await sso.finish(await handleOf(id), person);
    const { action, fields } = formFields(await answer.text());
    expect(action).toBe(acsOf('redirect'));
    expect(fields.RelayState).toBe('keep me exactly/?&=');
    const { extract } = (await sp.parseLoginResponse(jitbridge(), 'post', { body: fields } as never)) as { extract: Record<string, any> };
    expect(extract.response.inResponseTo).toBe(id);
    expect(extract.audience).toBe(spEntityId('redirect'));
    expect(extract.nameID).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(extract.attributes.groups).toEqual(['staff', 'admins']);
    expect(extract.attributes.mail).toBe('alice@example.test');
    expect(extract.sessionIndex.sessionIndex).toBeTruthy();
    const xml = Buffer.from(fields.SAMLResponse!, 'base64').toString();
    expect(xml).toContain('PasswordProtectedTransport');
    expect(xml).toContain(`Recipient="${acsOf('redirect')}"`);
    // One answer per request.
    await expect(sso.finish(await handleOf(id), person)).rejects.toMatchObject({ code: 'saml_request_unknown' });
  });

  it('answers a signed POST-binding request; states MFA; encrypts for the SP that asks', async () => {
    const { privateKey } = { privateKey: SP_KEY };
    await registerApp('post', { wantAuthnRequestsSigned: true, encryptionCertificate: SP_CERT, encryption: { algorithm: 'aes256-gcm' } });
    const sp = samlify.ServiceProvider({
      entityID: spEntityId('post'),
      assertionConsumerService: [{ Binding: POST, Location: acsOf('post') }],
      authnRequestsSigned: true,
      wantAssertionsSigned: true,
      nameIDFormat: ['urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'],
      isAssertionEncrypted: true,
      signingCert: SP_CERT,
      encryptCert: SP_CERT,
      privateKey,
      encPrivateKey: SP_KEY,
    } as never);
    const signingIdp = samlify.IdentityProvider({
      metadata: idpMetadata.replace('WantAuthnRequestsSigned="false"', 'WantAuthnRequestsSigned="true"'),
    } as never);
    const request = sp.createLoginRequest(signingIdp, 'post') as unknown as { id: string; context: string };
    expect((await postForm(`${server.url}/saml/sso`, { SAMLRequest: request.context })).status).toBe(303);
    const answer = await sso.finish(await handleOf(request.id), { ...person, mfa: true });
    const { fields } = formFields(await answer.text());
    expect(Buffer.from(fields.SAMLResponse!, 'base64').toString()).toContain('EncryptedAssertion');
    // samlify's SP decrypts when the IdP entity it reads the Response from says its assertions are encrypted.
    const encryptingIdp = samlify.IdentityProvider({ metadata: idpMetadata, isAssertionEncrypted: true } as never);
    const { samlContent, extract } = (await sp.parseLoginResponse(encryptingIdp, 'post', { body: fields } as never)) as {
      samlContent: string;
      extract: Record<string, any>;
    };
    expect(samlContent).toContain('https://refeds.org/profile/mfa');
    expect(extract.audience).toBe(spEntityId('post'));
    expect(extract.response.inResponseTo).toBe(request.id);
    // Encrypted for this SP's key only: another key cannot read it.
    const stranger = samlify.ServiceProvider({
      entityID: spEntityId('post'),
      assertionConsumerService: [{ Binding: POST, Location: acsOf('post') }],
      isAssertionEncrypted: true,
      encPrivateKey: OTHER_KEY,
    } as never);
    await expect(stranger.parseLoginResponse(encryptingIdp, 'post', { body: fields } as never)).rejects.toThrow();
  });

  it('refuses, with an error page and nothing issued: an unknown SP, an unregistered ACS, an unsigned request to a signing SP, a bad signature, SHA-1, a replay', async () => {
    await registerApp('checks', { wantAuthnRequestsSigned: true, assertionConsumerServices: [{ url: acsOf('checks') }] });
    const code = async (response: Response) => [response.status, response.headers.get('x-saml-error')];

    const unknown = serviceProvider('nobody', { sign: true }).createLoginRequest(jitbridge(true), 'redirect') as { context: string };
    expect(await code(await get(unknown.context))).toEqual([404, 'saml_unknown_sp']);

    const unsigned = serviceProvider('checks').createLoginRequest(jitbridge(), 'redirect') as { context: string };
    expect(await code(await get(unsigned.context))).toEqual([400, 'saml_unsigned_request']);

    const forged = serviceProvider('checks', { sign: true, key: OTHER_KEY }).createLoginRequest(jitbridge(true), 'redirect') as {
      context: string;
    };
    expect(await code(await get(forged.context))).toEqual([400, 'saml_bad_signature']);

    const weak = serviceProvider('checks', { sign: true, sigAlg: RSA_SHA1 }).createLoginRequest(jitbridge(true), 'redirect') as {
      context: string;
    };
    expect(await code(await get(weak.context))).toEqual([400, 'saml_weak_signature_algorithm']);

    const good = serviceProvider('checks', { sign: true }).createLoginRequest(jitbridge(true), 'redirect') as {
      id: string;
      context: string;
    };
    expect((await get(good.context)).status).toBe(303);
    expect(await code(await get(good.context))).toEqual([400, 'saml_request_replayed']);

    // An ACS URL the SP never registered: built by hand, signed by the SP's own key (nothing else is wrong).
    const otherAcs = samlify.ServiceProvider({
      entityID: spEntityId('checks'),
      assertionConsumerService: [{ Binding: POST, Location: 'https://evil.example.test/acs' }],
      authnRequestsSigned: true,
      nameIDFormat: ['urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'],
      signingCert: SP_CERT,
      privateKey: SP_KEY,
    } as never);
    const evil = otherAcs.createLoginRequest(jitbridge(true), 'redirect') as { context: string };
    const refused = await get(evil.context);
    expect(await code(refused)).toEqual([400, 'saml_unregistered_acs']);
    expect(refused.headers.get('location')).toBeNull();
  });

  it('answers IsPassive with NoPassive at the registered ACS (no session can exist yet)', async () => {
    await registerApp('passive');
    const xml = `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_passive1" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${server.url}/saml/sso" IsPassive="true"><saml:Issuer>${spEntityId('passive')}</saml:Issuer></samlp:AuthnRequest>`;
    const url = `${server.url}/saml/sso?SAMLRequest=${encodeURIComponent(deflateRawSync(xml).toString('base64'))}`;
    // IsPassive → prompt=none at the OpenID Provider → login_required back at the return route → NoPassive.
    const jar = new CookieJar();
    let response = await send(jar, url);
    expect(new URL(response.headers.get('location')!).searchParams.get('prompt')).toBe('none');
    for (let hops = 0; response.status === 303 || response.status === 302; hops++) {
      expect(hops).toBeLessThan(5);
      response = await send(jar, new URL(response.headers.get('location')!, server.url).href);
    }
    expect(response.status).toBe(200);
    const { action, fields } = formFields(await response.text());
    expect(action).toBe(acsOf('passive'));
    await expect(serviceProvider('passive').parseLoginResponse(jitbridge(), 'post', { body: fields } as never)).rejects.toThrow(
      /NoPassive/,
    );
  });

  it('IdP-initiated SSO only for an app that enables it', async () => {
    const off = await registerApp('idp-off');
    expect((await get(`${server.url}/saml/idp-initiated/${off.id}`)).status).toBe(403);
    const on = await registerApp('idp-on', { idpInitiated: { enabled: true, defaultRelayState: '/home' } });
    expect((await get(`${server.url}/saml/idp-initiated/${on.id}`)).status).toBe(303);
    const [row] = await server.ctx.store.db.select().from(samlIdpMessages).where(eq(samlIdpMessages.applicationId, on.id));
    const { fields } = formFields(await (await sso.finish(row!.id, person)).text());
    expect(fields.RelayState).toBe('/home');
    const sp = samlify.ServiceProvider({
      entityID: spEntityId('idp-on'),
      assertionConsumerService: [{ Binding: POST, Location: acsOf('idp-on') }],
      wantAssertionsSigned: true,
    } as never);
    const { extract } = (await sp.parseLoginResponse(jitbridge(), 'post', { body: fields } as never)) as { extract: Record<string, any> };
    expect(extract.audience).toBe(spEntityId('idp-on'));
  });
});

describe('SLO', () => {
  it('an SP-initiated LogoutRequest ends the sessions and logs out the other SP of the same sign-in, then answers the SP', async () => {
    const a = serviceProvider('slo-a', { sign: true, slo: true });
    const b = serviceProvider('slo-b', { sign: true, slo: true });
    for (const n of ['slo-a', 'slo-b']) {
      await registerApp(n, { singleLogoutService: { binding: 'HTTP-Redirect', url: `https://sp-${n}.example.test/slo` } });
    }
    const signIn = async (sp: ReturnType<typeof serviceProvider>) => {
      const request = sp.createLoginRequest(jitbridge(true), 'redirect') as { id: string; context: string };
      await get(request.context);
      const { fields } = formFields(
        await (await sso.finish(await handleOf(request.id), { ...person, loginSessionId: 'shared-session' })).text(),
      );
      return ((await sp.parseLoginResponse(jitbridge(), 'post', { body: fields } as never)) as { extract: Record<string, any> }).extract;
    };
    const atA = await signIn(a);
    await signIn(b);
    const logout = a.createLogoutRequest(
      jitbridge(),
      'redirect',
      { logoutNameID: atA.nameID, sessionIndex: atA.sessionIndex.sessionIndex } as never,
      { relayState: 'back-to-a' } as never,
    ) as unknown as { context: string };
    const toB = await get(logout.context);
    expect(toB.status).toBe(302);
    const toBUrl = new URL(toB.headers.get('location')!);
    expect(toBUrl.origin + toBUrl.pathname).toBe('https://sp-slo-b.example.test/slo');
    // B checks our LogoutRequest with its own library, and answers.
    const octet = toBUrl.search.slice(1).split('&Signature=')[0]!;
    const query = Object.fromEntries(toBUrl.searchParams);
    const parsed = (await b.parseLogoutRequest(await jitbridgeCurrentKey(), 'redirect', { query, octetString: octet } as never)) as {
      extract: Record<string, any>;
    };
    const answer = b.createLogoutResponse(jitbridge(), parsed, 'redirect', { relayState: query.RelayState } as never) as unknown as {
      context: string;
    };
    const answerUrl = answer.context.replace(/^[^?]*/, `${server.url}/saml/slo`);
    const toA = await get(answerUrl);
    expect(toA.status).toBe(302);
    const toAUrl = new URL(toA.headers.get('location')!);
    expect(toAUrl.origin + toAUrl.pathname).toBe('https://sp-slo-a.example.test/slo');
    expect(toAUrl.searchParams.get('RelayState')).toBe('back-to-a');
    const finalQuery = Object.fromEntries(toAUrl.searchParams);
    const final = (await a.parseLogoutResponse(await jitbridgeCurrentKey(), 'redirect', {
      query: finalQuery,
      octetString: toAUrl.search.slice(1).split('&Signature=')[0],
    } as never)) as { samlContent: string };
    expect(final.samlContent).toContain('status:Success');
    // The same LogoutRequest again is a replay.
    expect((await get(logout.context)).headers.get('x-saml-error')).toBe('saml_request_replayed');
  });

  it('IdP-initiated: startLogout sends every SP of the sign-in a signed LogoutRequest (Redirect and POST), then returns where asked', async () => {
    const a = serviceProvider('idp-slo-a', { sign: true, slo: true });
    const b = samlify.ServiceProvider({
      entityID: spEntityId('idp-slo-b'),
      assertionConsumerService: [{ Binding: POST, Location: acsOf('idp-slo-b') }],
      singleLogoutService: [{ Binding: POST, Location: 'https://sp-idp-slo-b.example.test/slo' }],
      authnRequestsSigned: true,
      wantAssertionsSigned: true,
      nameIDFormat: ['urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'],
      signingCert: SP_CERT,
      privateKey: SP_KEY,
      wantLogoutRequestSigned: true,
      wantLogoutResponseSigned: true,
    } as never);
    await registerApp('idp-slo-a', { singleLogoutService: { binding: 'HTTP-Redirect', url: 'https://sp-idp-slo-a.example.test/slo' } });
    await registerApp('idp-slo-b', { singleLogoutService: { binding: 'HTTP-POST', url: 'https://sp-idp-slo-b.example.test/slo' } });
    const signIn = async (sp: ReturnType<typeof serviceProvider>) => {
      const request = sp.createLoginRequest(jitbridge(true), 'redirect') as { id: string; context: string };
      await get(request.context);
      await sso.finish(await handleOf(request.id), { ...person, loginSessionId: 'idp-initiated-session' });
    };
    await signIn(a);
    await signIn(b as ReturnType<typeof serviceProvider>);

    const slo = createSamlSlo({ store: server.ctx.store, publicUrl: server.url });
    let step = await slo.startLogout('idp-initiated-session', '/signed-out');
    const loggedOut: string[] = [];
    for (let i = 0; i < 3 && step.status !== 303; i++) {
      if (step.status === 302) {
        // HTTP-Redirect, to A: A checks our signature with its own library and answers the same way.
        const url = new URL(step.headers.get('location')!);
        expect(url.origin + url.pathname).toBe('https://sp-idp-slo-a.example.test/slo');
        const query = Object.fromEntries(url.searchParams);
        const octetString = url.search.slice(1).split('&Signature=')[0]!;
        const parsed = (await a.parseLogoutRequest(await jitbridgeCurrentKey(), 'redirect', { query, octetString } as never)) as {
          extract: Record<string, any>;
        };
        expect(parsed.extract.sessionIndex).toBeTruthy();
        loggedOut.push('a');
        const answer = a.createLogoutResponse(await jitbridgeCurrentKey(), parsed, 'redirect', {
          relayState: query.RelayState,
        } as never) as {
          context: string;
        };
        step = await get(answer.context);
      } else {
        // HTTP-POST, to B: an auto-submitting form carrying the signed LogoutRequest.
        expect(step.status).toBe(200);
        const { action, fields } = formFields(await step.text());
        expect(action).toBe('https://sp-idp-slo-b.example.test/slo');
        const parsed = (await b.parseLogoutRequest(jitbridge(), 'post', { body: fields } as never)) as { extract: Record<string, any> };
        expect(parsed.extract.issuer).toBe(`${server.url}/saml/metadata`);
        loggedOut.push('b');
        const answer = b.createLogoutResponse(jitbridge(), parsed, 'post', { relayState: fields.RelayState } as never) as {
          context: string;
        };
        step = await postForm(`${server.url}/saml/slo`, { SAMLResponse: answer.context, RelayState: fields.RelayState! });
      }
    }
    expect(step.status).toBe(303);
    expect(step.headers.get('location')).toBe('/signed-out');
    expect(loggedOut.sort()).toEqual(['a', 'b']);
    // Every session of that sign-in has ended: a second logout has nobody to tell.
    const again = await slo.startLogout('idp-initiated-session', '/signed-out');
    expect([again.status, again.headers.get('location')]).toEqual([303, '/signed-out']);
  });

  it('refuses an unsigned LogoutRequest', async () => {
    await registerApp('slo-unsigned', {
      singleLogoutService: { binding: 'HTTP-Redirect', url: 'https://sp-slo-unsigned.example.test/slo' },
    });
    const xml = `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_lo1" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${server.url}/saml/slo"><saml:Issuer>${spEntityId('slo-unsigned')}</saml:Issuer><saml:NameID>x</saml:NameID></samlp:LogoutRequest>`;
    const response = await get(`${server.url}/saml/slo?SAMLRequest=${encodeURIComponent(deflateRawSync(xml).toString('base64'))}`);
    expect(response.headers.get('x-saml-error')).toBe('saml_unsigned_request');
  });
});
