// A SAML 2.0 IdP for the tests, on a random loopback port: its metadata comes from samlify's IdP entity, its
// responses are signed with samlify's signer (xml-crypto, RSA-SHA256, exclusive c14n), and it serves the
// HTTP-Redirect SSO endpoint with a login form that ends in the HTTP-POST auto-submit form to the SP's ACS.
// Helpers craft bad responses: unsigned, signed by another key, shifted in time, other audience/recipient, XSW.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inflateRawSync } from 'node:zlib';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import samlifyModule from 'samlify';
import * as xmllint from '@authenio/samlify-node-xmllint';

const samlify = samlifyModule as unknown as typeof import('samlify') & {
  SamlLib: { constructSAMLSignature(opts: Record<string, unknown>): string };
};
samlify.setSchemaValidator({ validate: (xmllint as unknown as { validate: (xml: string) => Promise<unknown> }).validate });

const keys = (name: string) => ({
  cert: readFileSync(new URL(`./saml-keys/${name}-cert.pem`, import.meta.url), 'utf8'),
  key: readFileSync(new URL(`./saml-keys/${name}-key.pem`, import.meta.url), 'utf8'),
});
export const IDP_KEYS = keys('idp');
export const ATTACKER_KEYS = keys('attacker');

export const NS_SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
export const NS_SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
export const NS_DS = 'http://www.w3.org/2000/09/xmldsig#';

export interface SamlUser {
  nameId: string;
  /** Raw XML content of the NameID (overrides nameId; used for comment injection). */
  nameIdXml?: string;
  nameIdFormat?: string;
  attributes: Record<string, string | string[]>;
}

export interface ResponseOptions {
  requestId: string | null;
  acsUrl: string;
  audience: string;
  user: SamlUser;
  /** Shifts every time in the assertion by this many seconds (negative: in the past). */
  shiftSeconds?: number;
  /** Assertion lifetime in seconds (default 300). */
  lifetimeSeconds?: number;
  recipient?: string;
  destination?: string | null;
  issuer?: string;
  status?: string;
  assertionId?: string;
}

export type SignMode = 'assertion' | 'response' | 'both' | 'none';

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const newId = () => `_${randomBytes(16).toString('hex')}`;

export interface AuthnRequestInfo {
  id: string;
  issuer: string;
  acsUrl: string | null;
  relayState: string | null;
}

/** Reads an HTTP-Redirect AuthnRequest URL (SAML Bindings §3.4.4.1: deflate + base64). */
export function readAuthnRequest(redirectUrl: string): AuthnRequestInfo {
  const url = new URL(redirectUrl);
  const xml = inflateRawSync(Buffer.from(url.searchParams.get('SAMLRequest')!, 'base64')).toString('utf8');
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const root = doc.documentElement!;
  return {
    id: root.getAttribute('ID')!,
    issuer: doc.getElementsByTagNameNS(NS_SAML, 'Issuer')[0]?.textContent?.trim() ?? '',
    acsUrl: root.getAttribute('AssertionConsumerServiceURL'),
    relayState: url.searchParams.get('RelayState'),
  };
}

export interface TestSamlIdp {
  url: string;
  entityId: string;
  ssoUrl: string;
  cert: string;
  /** IdP metadata XML (samlify's IdP entity). */
  metadata: string;
  users: Map<string, SamlUser>;
  /** How the login form endpoint signs (default 'assertion'). */
  signMode: SignMode;
  /** The unsigned Response XML. */
  buildResponse(options: ResponseOptions): string;
  /** Signs a Response XML; `keys` defaults to the IdP's. */
  sign(xml: string, mode: SignMode, signer?: { cert: string; key: string }): string;
  stop(): Promise<void>;
}

export function buildResponse(entityId: string, o: ResponseOptions): string {
  const now = Date.now() + (o.shiftSeconds ?? 0) * 1000;
  const until = now + (o.lifetimeSeconds ?? 300) * 1000;
  const inResponseTo = o.requestId ? ` InResponseTo="${esc(o.requestId)}"` : '';
  const destination = o.destination === null ? '' : ` Destination="${esc(o.destination ?? o.acsUrl)}"`;
  const issuer = esc(o.issuer ?? entityId);
  const nameId = o.user.nameIdXml ?? esc(o.user.nameId);
  const format = o.user.nameIdFormat ?? 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
  const attributes = Object.entries(o.user.attributes)
    .map(([name, value]) => {
      const values = (Array.isArray(value) ? value : [value])
        .map((v) => `<saml:AttributeValue xsi:type="xs:string">${esc(v)}</saml:AttributeValue>`)
        .join('');
      return `<saml:Attribute Name="${esc(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">${values}</saml:Attribute>`;
    })
    .join('');
  return (
    `<samlp:Response xmlns:samlp="${NS_SAMLP}" xmlns:saml="${NS_SAML}" ID="${newId()}" Version="2.0" IssueInstant="${iso(now)}"${destination}${inResponseTo}>` +
    `<saml:Issuer>${issuer}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="${o.status ?? 'urn:oasis:names:tc:SAML:2.0:status:Success'}"/></samlp:Status>` +
    `<saml:Assertion xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="${o.assertionId ?? newId()}" Version="2.0" IssueInstant="${iso(now)}">` +
    `<saml:Issuer>${issuer}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="${format}">${nameId}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${iso(until)}" Recipient="${esc(o.recipient ?? o.acsUrl)}"${inResponseTo}/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${iso(now - 5000)}" NotOnOrAfter="${iso(until)}"><saml:AudienceRestriction><saml:Audience>${esc(o.audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${iso(now)}" SessionIndex="${newId()}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    (attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : '') +
    `</saml:Assertion></samlp:Response>`
  );
}

/** Enveloped XML signatures as an IdP makes them: the Signature right after the Issuer of what it signs. */
export function signResponse(xml: string, mode: SignMode, signer: { cert: string; key: string } = IDP_KEYS): string {
  let out = xml;
  const sign = (referenceTagXPath: string | undefined, location: string, isMessageSigned: boolean) =>
    samlify.SamlLib.constructSAMLSignature({
      rawSamlMessage: out,
      ...(referenceTagXPath ? { referenceTagXPath } : {}),
      isMessageSigned,
      privateKey: signer.key,
      // samlify wants the certificate's base64 body, without the PEM armour.
      signingCert: signer.cert.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, ''),
      signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
      isBase64Output: false,
      signatureConfig: { prefix: 'ds', location: { reference: location, action: 'after' } },
    });
  if (mode === 'assertion' || mode === 'both') {
    out = sign(
      "/*[local-name(.)='Response']/*[local-name(.)='Assertion']",
      "/*[local-name(.)='Response']/*[local-name(.)='Assertion']/*[local-name(.)='Issuer']",
      false,
    );
  }
  if (mode === 'response' || mode === 'both') {
    out = sign(undefined, "/*[local-name(.)='Response']/*[local-name(.)='Issuer']", true);
  }
  return out;
}

export const toBase64 = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');
export const parseXml = (xml: string) => new DOMParser().parseFromString(xml, 'text/xml');
export const serializeXml = (doc: Document | Node) => new XMLSerializer().serializeToString(doc as never);

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const loginPage = (
  hidden: Record<string, string>,
) => `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>SAML IdP</title></head><body>
<form method="post" action="/sso/login">${Object.entries(hidden)
  .map(([k, v]) => `<input type="hidden" name="${k}" value="${esc(v)}">`)
  .join('')}<input name="login"><input name="password" type="password"><button>Sign in</button></form></body></html>`;

const autoPost = (
  acs: string,
  fields: Record<string, string>,
) => `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Continue</title></head>
<body><form method="post" action="${esc(acs)}">${Object.entries(fields)
  .map(([k, v]) => `<input type="hidden" name="${k}" value="${esc(v)}">`)
  .join('')}<button>Continue</button></form></body></html>`;

export async function startSamlIdp(): Promise<TestSamlIdp> {
  const users = new Map<string, SamlUser>();
  let base = '';
  const idp: TestSamlIdp = {
    url: '',
    entityId: '',
    ssoUrl: '',
    cert: IDP_KEYS.cert,
    metadata: '',
    users,
    signMode: 'assertion',
    buildResponse: (options) => buildResponse(idp.entityId, options),
    sign: signResponse,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  const handle = async (req: IncomingMessage, res: import('node:http').ServerResponse) => {
    const url = new URL(req.url ?? '/', base);
    const html = (body: string) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
    if (url.pathname === '/sso' && req.method === 'GET') {
      const request = readAuthnRequest(url.href);
      return html(
        loginPage({ requestId: request.id, acs: request.acsUrl ?? '', audience: request.issuer, relayState: request.relayState ?? '' }),
      );
    }
    if (url.pathname === '/sso/login' && req.method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      const user = users.get(form.get('login') ?? '');
      if (!user) return html('<p>unknown user</p>');
      const xml = buildResponse(idp.entityId, {
        requestId: form.get('requestId'),
        acsUrl: form.get('acs')!,
        audience: form.get('audience')!,
        user,
      });
      const fields: Record<string, string> = { SAMLResponse: toBase64(signResponse(xml, idp.signMode)) };
      if (form.get('relayState')) fields.RelayState = form.get('relayState')!;
      return html(autoPost(form.get('acs')!, fields));
    }
    res.writeHead(404).end();
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  idp.url = base;
  idp.entityId = `${base}/metadata`;
  idp.ssoUrl = `${base}/sso`;
  idp.metadata = samlify
    .IdentityProvider({
      entityID: idp.entityId,
      signingCert: IDP_KEYS.cert,
      singleSignOnService: [{ Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', Location: idp.ssoUrl }],
      singleLogoutService: [{ Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', Location: `${base}/slo` }],
    })
    .getMetadata();
  return idp;
}

// ---- XML signature wrapping (XSW1–XSW8, as catalogued by Somorovsky et al. and SAML Raider) ---------------------

export type XswVariant = 'XSW1' | 'XSW2' | 'XSW3' | 'XSW4' | 'XSW5' | 'XSW6' | 'XSW7' | 'XSW8';

const children = (el: Element, ns: string, local: string) =>
  Array.from(el.childNodes as unknown as Node[]).filter(
    (n): n is Element => n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === local,
  );

/** An attacker's copy of an assertion: no signature, another NameID, optionally a new ID. */
function evilCopy(assertion: Element, evilNameId: string, newIdValue: boolean): Element {
  const copy = assertion.cloneNode(true) as Element;
  for (const signature of children(copy, NS_DS, 'Signature')) copy.removeChild(signature);
  const nameId = copy.getElementsByTagNameNS(NS_SAML, 'NameID')[0]!;
  while (nameId.firstChild) nameId.removeChild(nameId.firstChild);
  nameId.appendChild(copy.ownerDocument!.createTextNode(evilNameId));
  if (newIdValue) copy.setAttribute('ID', newId());
  return copy;
}

function withoutSignature(el: Element): Element {
  const copy = el.cloneNode(true) as Element;
  for (const signature of children(copy, NS_DS, 'Signature')) copy.removeChild(signature);
  return copy;
}

/**
 * Builds an XSW variant from a genuinely signed Response. XSW1/2 expect a signed Response ('response' or 'both');
 * XSW3–8 a signed Assertion. The attacker's assertion names `evilNameId`.
 */
export function wrapSignature(signedXml: string, variant: XswVariant, evilNameId: string): string {
  const doc = parseXml(signedXml);
  const response = doc.documentElement!;
  const assertion = children(response, NS_SAML, 'Assertion')[0]!;
  switch (variant) {
    case 'XSW1':
    case 'XSW2': {
      // A new, unsigned Response with the attacker's assertion becomes the root; the original signed Response
      // (without its signature) hides inside the copied Signature (XSW1) or right before it (XSW2).
      const signature = children(response, NS_DS, 'Signature')[0]!;
      const evilResponse = response.cloneNode(true) as Element;
      evilResponse.setAttribute('ID', newId());
      const evilAssertion = children(evilResponse, NS_SAML, 'Assertion')[0]!;
      evilResponse.replaceChild(evilCopy(evilAssertion, evilNameId, true), evilAssertion);
      const original = withoutSignature(response);
      const copiedSignature = children(evilResponse, NS_DS, 'Signature')[0] ?? (signature.cloneNode(true) as Element);
      if (variant === 'XSW1') copiedSignature.appendChild(original);
      else evilResponse.insertBefore(original, copiedSignature);
      doc.replaceChild(evilResponse, response);
      break;
    }
    case 'XSW3':
      // An unsigned attacker assertion (same ID) before the signed one.
      response.insertBefore(evilCopy(assertion, evilNameId, false), assertion);
      break;
    case 'XSW4': {
      // The attacker's assertion wraps the signed one.
      const evil = evilCopy(assertion, evilNameId, true);
      response.replaceChild(evil, assertion);
      evil.appendChild(assertion);
      break;
    }
    case 'XSW5': {
      // The signed assertion is changed in place (signature kept); an untouched copy goes to the end.
      const original = withoutSignature(assertion);
      const nameId = assertion.getElementsByTagNameNS(NS_SAML, 'NameID')[0]!;
      nameId.firstChild!.nodeValue = evilNameId;
      response.appendChild(original);
      break;
    }
    case 'XSW6': {
      // Changed in place; the untouched copy hides inside the signature.
      const original = withoutSignature(assertion);
      assertion.getElementsByTagNameNS(NS_SAML, 'NameID')[0]!.firstChild!.nodeValue = evilNameId;
      children(assertion, NS_DS, 'Signature')[0]!.appendChild(original);
      break;
    }
    case 'XSW7': {
      // The signed assertion moves into an Extensions block; the attacker's takes its place.
      const extensions = doc.createElementNS(NS_SAMLP, 'samlp:Extensions');
      const evil = evilCopy(assertion, evilNameId, true);
      response.replaceChild(evil, assertion);
      extensions.appendChild(assertion);
      const issuer = children(response, NS_SAML, 'Issuer')[0]!;
      response.insertBefore(extensions, issuer.nextSibling);
      break;
    }
    case 'XSW8': {
      // The attacker's assertion carries the original signature, with the original assertion in a ds:Object.
      const signature = children(assertion, NS_DS, 'Signature')[0]!;
      const evil = evilCopy(assertion, evilNameId, false);
      const object = doc.createElementNS(NS_DS, 'ds:Object');
      object.appendChild(withoutSignature(assertion));
      const movedSignature = signature.cloneNode(true) as Element;
      movedSignature.appendChild(object);
      evil.insertBefore(movedSignature, children(evil, NS_SAML, 'Subject')[0]!);
      response.replaceChild(evil, assertion);
      break;
    }
  }
  return serializeXml(doc);
}
