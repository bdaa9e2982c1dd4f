// The demo's SAML IdP (samlify's IdP role) against a samlify service provider playing jitbridge: it answers only an
// SP it was told about, only at that SP's registered ACS, asks for the demo password, and its signed response carries
// the person's attributes (groups multi-valued), InResponseTo and the RelayState.
import { X509Certificate } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import samlifyModule from 'samlify';
import { startDemoSamlIdp, type DemoSamlIdp } from '../../src/demo/saml-idp.js';
import { freePort } from '../support/server.js';

type Samlify = typeof import('samlify');
const samlify = samlifyModule as unknown as Samlify;
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

const serviceProvider = (entityID: string, acs: string) =>
  samlify.ServiceProvider({ entityID, assertionConsumerService: [{ Binding: POST, Location: acs }], wantAssertionsSigned: true });

let idp: DemoSamlIdp;
const sp = serviceProvider('http://127.0.0.1:9/sp/metadata', 'http://127.0.0.1:9/sp/acs');
beforeAll(async () => {
  idp = await startDemoSamlIdp(await freePort());
  idp.trustServiceProvider(sp.getMetadata());
});
afterAll(async () => {
  await idp?.stop();
});

const hidden = (page: string, name: string) => {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(page);
  return match
    ? match[1]!
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&')
    : null;
};

function loginRequestUrl(from = sp, relayState = 'state "1" & more'): string {
  const entity = samlify.IdentityProvider({ metadata: idp.metadata });
  return (from.createLoginRequest(entity, 'redirect', { relayState }) as { context: string }).context;
}

async function signIn(url: string, login: string, password: string) {
  const form = await (await fetch(url)).text();
  return fetch(new URL('/sso', url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ SAMLRequest: hidden(form, 'SAMLRequest')!, RelayState: hidden(form, 'RelayState')!, login, password }),
  });
}

describe('the demo SAML IdP', () => {
  it('signs a demo person in: a signed response for the SP, at its ACS, with the attributes and the RelayState', async () => {
    const url = loginRequestUrl();
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Sign in to Partner Inc');

    const wrong = await signIn(url, 'katherine', 'not-demo');
    expect(await wrong.text()).toContain('Wrong username or password.');

    const answer = await signIn(url, 'katherine', 'demo');
    const html = await answer.text();
    expect(html).toContain('action="http://127.0.0.1:9/sp/acs"');
    expect(hidden(html, 'RelayState')).toBe('state "1" & more');
    expect(answer.headers.get('content-security-policy')).toMatch(/script-src 'nonce-/);
    const parsed = (await sp.parseLoginResponse(samlify.IdentityProvider({ metadata: idp.metadata }), 'post', {
      body: { SAMLResponse: hidden(html, 'SAMLResponse') },
    } as never)) as unknown as { extract: { nameID: string; attributes: Record<string, unknown>; response: { inResponseTo: string } } };
    expect(parsed.extract.nameID).toBe('katherine');
    expect(parsed.extract.attributes).toMatchObject({
      uid: 'katherine',
      mail: 'katherine@partner.example',
      displayName: 'Katherine Johnson',
      groups: ['research', 'flight'],
    });
    const requestId = /ID="([^"]+)"/.exec(
      inflateRawSync(Buffer.from(new URL(url).searchParams.get('SAMLRequest')!, 'base64')).toString(),
    )![1];
    expect(parsed.extract.response.inResponseTo).toBe(requestId);
  });

  it('answers single logout: a LogoutResponse to an SP with an SLO endpoint, a page otherwise', async () => {
    const withSlo = samlify.ServiceProvider({
      entityID: 'http://127.0.0.1:9/slo-sp/metadata',
      assertionConsumerService: [{ Binding: POST, Location: 'http://127.0.0.1:9/slo-sp/acs' }],
      singleLogoutService: [{ Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', Location: 'http://127.0.0.1:9/slo-sp/slo' }],
    });
    idp.trustServiceProvider(withSlo.getMetadata());
    const entity = samlify.IdentityProvider({ metadata: idp.metadata });
    const request = withSlo.createLogoutRequest(entity, 'redirect', { logoutNameID: 'katherine' }, 'back-to-1') as {
      id: string;
      context: string;
    };
    const answer = await fetch(request.context, { redirect: 'manual' });
    expect(answer.status).toBe(303);
    const location = new URL(answer.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe('http://127.0.0.1:9/slo-sp/slo');
    expect(location.searchParams.get('RelayState')).toBe('back-to-1');
    const xml = inflateRawSync(Buffer.from(location.searchParams.get('SAMLResponse')!, 'base64')).toString();
    expect(xml).toContain(`InResponseTo="${request.id}"`);
    expect(xml).toContain('urn:oasis:names:tc:SAML:2.0:status:Success');

    const noSlo = sp.createLogoutRequest(entity, 'redirect', { logoutNameID: 'katherine' }) as { context: string };
    const page = await fetch(noSlo.context);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('You are signed out of Partner Inc');
  });

  it('refuses an SP it does not know, and an ACS other than the registered one', async () => {
    const stranger = await fetch(loginRequestUrl(serviceProvider('http://127.0.0.1:9/other/metadata', 'http://127.0.0.1:9/other/acs')));
    expect(stranger.status).toBe(400);
    expect(await stranger.text()).toContain('The service provider http://127.0.0.1:9/other/metadata is not known to Partner Inc.');

    const elsewhere = await fetch(loginRequestUrl(serviceProvider('http://127.0.0.1:9/sp/metadata', 'http://attacker.example/acs')));
    expect(elsewhere.status).toBe(400);
    expect(await elsewhere.text()).toContain('http://attacker.example/acs, which is not the SP&#39;s registered ACS');

    const garbage = await fetch(new URL('/sso?SAMLRequest=bm90IHhtbA', loginRequestUrl()));
    expect(garbage.status).toBe(400);
    expect(await garbage.text()).toContain('The SAML request is not valid');
  });

  it('signs with a key made at start (none is in the source): another start, another certificate', async () => {
    const certificateOf = (metadata: string) =>
      new X509Certificate(Buffer.from(samlify.IdPMetadata(metadata).getX509Certificate('signing') as string, 'base64'));
    const other = await startDemoSamlIdp(await freePort());
    try {
      const [first, second] = [certificateOf(idp.metadata), certificateOf(other.metadata)];
      expect(first.fingerprint256).not.toBe(second.fingerprint256);
      for (const cert of [first, second]) {
        expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
        expect(cert.verify(cert.publicKey)).toBe(true); // self-signed
        expect(cert.issuer).toBe(cert.subject);
        expect(new Date(cert.validTo).getTime()).toBeGreaterThan(Date.now());
      }
    } finally {
      await other.stop();
    }
    await expect(import('../../src/demo/saml-idp-key.js' as string)).rejects.toThrow();
  });
});
