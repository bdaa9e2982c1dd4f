// Upstream SAML federation against a SAML IdP that signs real responses (samlify's signer): SP metadata, a whole
// SP-initiated login, and every negative vector — each refused, with nothing stored (no user, no link, no
// assertion id remembered).
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/store/database.js';
import { federatedLogin, send, CookieJar } from '../support/federated-login.js';
import {
  ATTACKER_KEYS,
  readAuthnRequest,
  startSamlIdp,
  toBase64,
  wrapSignature,
  type ResponseOptions,
  type SignMode,
  type TestSamlIdp,
  type XswVariant,
} from '../support/saml-idp.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let idp: TestSamlIdp;
let idpId: string;
/** A second registration of the same IdP that accepts a signed Response around an unsigned assertion. */
let responseSignedIdpId: string;

const count = async (table: string) =>
  (await rows<{ n: number }>(server.ctx.store.db, sql.raw(`select count(*)::int as n from ${table}`)))[0]!.n;

const EMAIL = 'urn:oid:0.9.2342.19200300.100.1.3';
const alice = {
  nameId: 'alice@example.com',
  attributes: {
    [EMAIL]: 'alice@example.com',
    'urn:oid:2.5.4.42': 'Alice',
    'urn:oid:0.9.2342.19200300.100.1.1': 'alice',
    groups: ['staff', 'admins'],
  },
};

beforeAll(async () => {
  [server, idp] = await Promise.all([startTestServer({ label: 'federation_saml' }), startSamlIdp()]);
  idp.users.set('alice', alice);
  const created = await server.admin('POST', '/api/v1/identity-providers', {
    name: 'Upstream SAML',
    protocol: 'saml',
    saml: { metadata: idp.metadata },
  });
  expect(created.status).toBe(201);
  idpId = ((await created.json()) as { id: string }).id;
  const second = await server.admin('POST', '/api/v1/identity-providers', {
    name: 'Upstream SAML (signed responses)',
    protocol: 'saml',
    saml: { entityId: idp.entityId, ssoUrl: idp.ssoUrl, signingCertificate: idp.cert, wantAssertionsSigned: false },
  });
  responseSignedIdpId = ((await second.json()) as { id: string }).id;
});
afterAll(async () => {
  await Promise.all([server?.stop(), idp?.stop()]);
});

/** Starts a login at jitbridge and returns what the IdP would see of the AuthnRequest. */
async function startFlow(id = idpId) {
  const response = await send(new CookieJar(), `${server.url}/federation/${id}/start?return_to=/done`);
  expect(response.status).toBe(302);
  const request = readAuthnRequest(response.headers.get('location')!);
  return { ...request, acsUrl: `${server.url}/federation/${id}/saml/acs`, audience: `${server.url}/federation/${id}/saml/metadata` };
}

async function postAcs(id: string, samlResponse: string, relayState: string | null) {
  const form = new URLSearchParams({ SAMLResponse: samlResponse, ...(relayState ? { RelayState: relayState } : {}) });
  return fetch(`${server.url}/federation/${id}/saml/acs`, { method: 'POST', body: form, redirect: 'manual' });
}

async function resultOf(response: Response) {
  expect(response.status).toBe(303);
  const id = new URL(response.headers.get('location')!, server.url).searchParams.get('login_result')!;
  const [row] = await rows<{ outcome: string; error_code: string | null; user_id: string | null; subject: string | null; claims: unknown }>(
    server.ctx.store.db,
    sql`select outcome, error_code, user_id, subject, claims from login_results where id = ${id}`,
  );
  return row!;
}

/** A flow, and a genuinely signed response to it, changed by the test before it is posted. */
async function attempt(options: {
  id?: string;
  sign?: SignMode;
  response?: Partial<ResponseOptions>;
  mutate?: (xml: string) => string;
  signer?: { cert: string; key: string };
}) {
  const id = options.id ?? idpId;
  const flow = await startFlow(id);
  const xml = idp.buildResponse({ requestId: flow.id, acsUrl: flow.acsUrl, audience: flow.audience, user: alice, ...options.response });
  let signed = idp.sign(xml, options.sign ?? 'assertion', options.signer);
  if (options.mutate) signed = options.mutate(signed);
  return { flow, response: await postAcs(id, toBase64(signed), flow.relayState), signed };
}

describe('SP metadata and a whole login', () => {
  it('serves our SP metadata per IdP', async () => {
    const response = await fetch(`${server.url}/federation/${idpId}/saml/metadata`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/samlmetadata+xml');
    const xml = await response.text();
    expect(xml).toContain(`entityID="${server.url}/federation/${idpId}/saml/metadata"`);
    expect(xml).toContain(`Location="${server.url}/federation/${idpId}/saml/acs"`);
    expect(xml).toContain('WantAssertionsSigned="true"');
  });

  it('logs in through the IdP (redirect out, POST back) and provisions the user', async () => {
    const login = await federatedLogin(server, { idpId, login: 'alice' });
    expect(login.result).toMatchObject({ outcome: 'success', subject: 'alice@example.com', errorCode: null });
    expect(login.result.authnContext).toMatchObject({
      protocol: 'saml',
      acr: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
      amr: ['pwd'],
    });
    const [user] = await rows<{ user_name: string; primary_email: string; given_name: string }>(
      server.ctx.store.db,
      sql`select user_name, primary_email, given_name from users where id = ${login.result.userId}`,
    );
    expect(user).toMatchObject({ user_name: 'alice', primary_email: 'alice@example.com', given_name: 'Alice' });
    expect(await count('saml_assertion_ids')).toBe(1);
  });

  it('accepts a signed Response around an unsigned assertion only where the IdP allows it', async () => {
    const bob = { nameId: 'bob@example.com', attributes: { [EMAIL]: 'bob@example.com', 'urn:oid:0.9.2342.19200300.100.1.1': 'bob' } };
    const allowed = await attempt({ id: responseSignedIdpId, sign: 'response', response: { user: bob } });
    expect(await resultOf(allowed.response)).toMatchObject({ outcome: 'success', subject: 'bob@example.com' });
    const refused = await attempt({ sign: 'response' });
    expect(await resultOf(refused.response)).toMatchObject({ outcome: 'failure', error_code: 'saml_assertion_unsigned' });
  });
});

describe('the subject', () => {
  const transient = {
    nameId: '_t-0001',
    nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
    attributes: { [EMAIL]: 'carol@example.com', 'urn:oid:0.9.2342.19200300.100.1.1': 'carol', employeeId: 'E-42' },
  };

  it('refuses a transient NameID unless a subject attribute is configured, then uses that attribute', async () => {
    const refused = await attempt({ id: responseSignedIdpId, sign: 'response', response: { user: transient } });
    expect(await resultOf(refused.response)).toMatchObject({ outcome: 'failure', error_code: 'saml_transient_subject' });
    const patched = await server.admin('PATCH', `/api/v1/identity-providers/${responseSignedIdpId}`, {
      saml: { subjectAttribute: 'employeeId' },
    });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as { saml: { subjectAttribute: string } }).saml.subjectAttribute).toBe('employeeId');
    const accepted = await attempt({ id: responseSignedIdpId, sign: 'response', response: { user: transient } });
    expect(await resultOf(accepted.response)).toMatchObject({ outcome: 'success', subject: 'E-42' });
    const missing = await attempt({ id: responseSignedIdpId, sign: 'response', response: { user: { ...transient, attributes: {} } } });
    expect(await resultOf(missing.response)).toMatchObject({ outcome: 'failure', error_code: 'saml_no_subject' });
    await server.admin('PATCH', `/api/v1/identity-providers/${responseSignedIdpId}`, { saml: { subjectAttribute: null } });
  });
});

describe('negative vectors: refused, nothing stored', () => {
  let users: number;
  let links: number;
  let assertionIds: number;
  const snapshot = async () => {
    users = await count('users');
    links = await count('federated_identities');
    assertionIds = await count('saml_assertion_ids');
  };
  const nothingStored = async () => {
    expect(await count('users')).toBe(users);
    expect(await count('federated_identities')).toBe(links);
    expect(await count('saml_assertion_ids')).toBe(assertionIds);
  };
  const refusedWith = async (response: Response, codes: string[]) => {
    const result = await resultOf(response);
    expect(result.outcome).toBe('failure');
    expect(codes).toContain(result.error_code);
    expect(result.user_id).toBeNull();
    expect(result.subject).toBeNull();
    await nothingStored();
  };

  it('unsigned response', async () => {
    await snapshot();
    await refusedWith((await attempt({ sign: 'none' })).response, ['saml_unsigned']);
    await refusedWith((await attempt({ id: responseSignedIdpId, sign: 'none' })).response, ['saml_unsigned']);
  });

  it('signature by another key (with its own certificate in KeyInfo, or none)', async () => {
    await snapshot();
    await refusedWith((await attempt({ signer: ATTACKER_KEYS })).response, ['saml_bad_signature']);
    const noKeyInfo = await attempt({ signer: ATTACKER_KEYS, mutate: (xml) => xml.replace(/<ds:KeyInfo>[\s\S]*?<\/ds:KeyInfo>/, '') });
    await refusedWith(noKeyInfo.response, ['saml_bad_signature']);
  });

  it('a value changed after signing', async () => {
    await snapshot();
    const tampered = await attempt({ mutate: (xml) => xml.replace('alice@example.com</saml:NameID>', 'admin@example.com</saml:NameID>') });
    await refusedWith(tampered.response, ['saml_bad_signature']);
  });

  const variants: XswVariant[] = ['XSW1', 'XSW2', 'XSW3', 'XSW4', 'XSW5', 'XSW6', 'XSW7', 'XSW8'];
  it.each(variants)('%s signature wrapping', async (variant) => {
    await snapshot();
    const responseLevel = variant === 'XSW1' || variant === 'XSW2';
    // XSW1/2 attack a Response signature: try them where that is all an IdP needs, and where assertions must be signed.
    for (const id of responseLevel ? [responseSignedIdpId, idpId] : [idpId]) {
      const { response } = await attempt({
        id,
        sign: responseLevel ? (id === idpId ? 'both' : 'response') : 'assertion',
        mutate: (xml) => wrapSignature(xml, variant, 'admin@example.com'),
      });
      await refusedWith(response, ['saml_wrapping_suspected']);
    }
  });

  it('comment injection in NameID does not become another user', async () => {
    await snapshot();
    // The IdP signs user@evil.com.example.com; the comment survives exclusive c14n-without-comments, so the signature
    // stays valid, and a parser reading only the first text node would see user@evil.com.
    const injected = await attempt({ response: { user: { ...alice, nameId: '', nameIdXml: 'user@evil.com<!---->.example.com' } } });
    await refusedWith(injected.response, ['saml_comment_in_identity']);
    expect(await count(`users where user_name in ('user@evil.com', 'user@evil.com.example.com')`)).toBe(0);
  });

  it('expired and not-yet-valid assertions', async () => {
    await snapshot();
    await refusedWith((await attempt({ response: { shiftSeconds: -3600 } })).response, ['saml_expired']);
    await refusedWith((await attempt({ response: { shiftSeconds: 3600 } })).response, ['saml_not_yet_valid']);
  });

  it('wrong audience, wrong recipient, wrong destination', async () => {
    await snapshot();
    await refusedWith((await attempt({ response: { audience: 'https://another-sp.example/metadata' } })).response, ['saml_wrong_audience']);
    await refusedWith((await attempt({ response: { recipient: 'https://another-sp.example/acs', destination: null } })).response, [
      'saml_wrong_recipient',
    ]);
    await refusedWith((await attempt({ response: { destination: 'https://another-sp.example/acs' } })).response, [
      'saml_wrong_destination',
    ]);
  });

  it('unknown InResponseTo, missing InResponseTo (unsolicited) and a wrong issuer', async () => {
    await snapshot();
    await refusedWith((await attempt({ response: { requestId: '_unknown-request' } })).response, ['saml_in_response_to_mismatch']);
    await refusedWith((await attempt({ response: { requestId: null } })).response, ['saml_in_response_to_mismatch']);
    await refusedWith((await attempt({ response: { issuer: 'https://evil.example/idp' } })).response, [
      'saml_wrong_issuer',
      'saml_bad_signature',
    ]);
  });

  it('reused InResponseTo: a response to an earlier, finished login', async () => {
    const first = await attempt({});
    expect((await resultOf(first.response)).outcome).toBe('success');
    await snapshot();
    // The same genuinely signed response, posted into a new flow: its InResponseTo names the finished flow's request.
    const flow = await startFlow();
    await refusedWith(await postAcs(idpId, toBase64(first.signed), flow.relayState), ['saml_in_response_to_mismatch']);
    // And into the finished flow again: that flow is gone, so there is nothing to attach a result to.
    const again = await postAcs(idpId, toBase64(first.signed), first.flow.relayState);
    expect(again.status).toBe(400);
    await nothingStored();
  });

  it('the same response posted twice at once: one login, the other a 400', async () => {
    const flow = await startFlow();
    const signed = idp.sign(
      idp.buildResponse({ requestId: flow.id, acsUrl: flow.acsUrl, audience: flow.audience, user: alice }),
      'assertion',
    );
    const results = await Promise.all([
      postAcs(idpId, toBase64(signed), flow.relayState),
      postAcs(idpId, toBase64(signed), flow.relayState),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([303, 400]);
    expect((await resultOf(results.find((r) => r.status === 303)!)).outcome).toBe('success');
  });

  it('replayed assertion id (a new response re-using an accepted assertion id)', async () => {
    const first = await attempt({ response: { assertionId: '_replayed-assertion-1' } });
    expect((await resultOf(first.response)).outcome).toBe('success');
    await snapshot();
    const replay = await attempt({ response: { assertionId: '_replayed-assertion-1' } });
    await refusedWith(replay.response, ['saml_assertion_replayed']);
  });

  it('a non-success status', async () => {
    await snapshot();
    const denied = await attempt({
      sign: 'response',
      id: responseSignedIdpId,
      response: { status: 'urn:oasis:names:tc:SAML:2.0:status:Requester' },
    });
    await refusedWith(denied.response, ['saml_status_not_success']);
  });

  it('no RelayState or an unknown one: a plain 400 page, no login result', async () => {
    const results = await count('login_results');
    const flow = await startFlow();
    const signed = idp.sign(
      idp.buildResponse({ requestId: flow.id, acsUrl: flow.acsUrl, audience: flow.audience, user: alice }),
      'assertion',
    );
    expect((await postAcs(idpId, toBase64(signed), null)).status).toBe(400);
    expect((await postAcs(idpId, toBase64(signed), 'made-up')).status).toBe(400);
    expect(await count('login_results')).toBe(results);
  });
});
