// The two front-channel bindings of incoming messages (SAML Bindings §3.4 HTTP-Redirect, §3.5 HTTP-POST): the
// decoded XML, the fields samlify's flow wants, the signature algorithm named by the message, and the octet
// string a Redirect signature covers, rebuilt from the query *as received* (§3.4.4.1).
import { inflateRawSync } from 'node:zlib';
import { refuse } from './errors.js';
import type { IncomingMessage } from './samlify-idp.js';
import { attr, element, nodes, NS, parseXml } from './xml.js';

/** Largest SAMLRequest / SAMLResponse accepted (base64 characters). */
export const MAX_MESSAGE_CHARS = 100_000;
/** RelayState is kept intact; the 80-byte limit of Bindings §3.4.3 is the SP's to keep and many exceed it, so only a sanity cap applies. */
export const MAX_RELAY_STATE_BYTES = 1024;

export const SHA1_ALGORITHMS = [
  'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
  'http://www.w3.org/2000/09/xmldsig#dsa-sha1',
  'http://www.w3.org/2000/09/xmldsig#hmac-sha1',
  'http://www.w3.org/2000/09/xmldsig#sha1',
];
const ACCEPTED_SIGNATURE_ALGORITHMS = [
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
];

export type MessageParam = 'SAMLRequest' | 'SAMLResponse';

export interface DecodedMessage {
  param: MessageParam;
  xml: string;
  doc: Document;
  relayState: string | null;
  /** Whether the message carries a signature (a Signature query parameter, or a ds:Signature in the root). */
  signed: boolean;
  samlify: IncomingMessage;
}

/** The raw (still URL-encoded) value of a query parameter, as the signer saw it. */
function rawQueryValue(rawQuery: string, name: string): string | null {
  for (const pair of rawQuery.split('&')) {
    const eq = pair.indexOf('=');
    if ((eq === -1 ? pair : pair.slice(0, eq)) === name) return eq === -1 ? '' : pair.slice(eq + 1);
  }
  return null;
}

function checkRelayState(relayState: string | null): void {
  if (relayState !== null && Buffer.byteLength(relayState) > MAX_RELAY_STATE_BYTES) {
    throw refuse('saml_relay_state_too_long', `RelayState is longer than ${MAX_RELAY_STATE_BYTES} bytes`);
  }
}

function checkSize(value: string): void {
  if (value.length > MAX_MESSAGE_CHARS) throw refuse('saml_message_too_large', 'The SAML message is too large');
}

/** HTTP-Redirect: base64 of the DEFLATEd message; the signature (if any) is over the query's octet string. */
export function decodeRedirect(url: URL): DecodedMessage {
  const param: MessageParam | null = url.searchParams.has('SAMLRequest')
    ? 'SAMLRequest'
    : url.searchParams.has('SAMLResponse')
      ? 'SAMLResponse'
      : null;
  if (!param) throw refuse('saml_no_message', 'No SAML message was sent');
  const encoded = url.searchParams.get(param)!;
  checkSize(encoded);
  let xml: string;
  try {
    xml = inflateRawSync(Buffer.from(encoded, 'base64'), { maxOutputLength: 4 * MAX_MESSAGE_CHARS }).toString('utf8');
  } catch {
    throw refuse('saml_malformed_message', 'The SAML message is not DEFLATE-encoded as the Redirect binding requires');
  }
  const relayState = url.searchParams.get('RelayState');
  checkRelayState(relayState);
  const sigAlg = url.searchParams.get('SigAlg');
  const signature = url.searchParams.get('Signature');
  const rawQuery = url.search.replace(/^\?/, '');
  const octetParts = [param, 'RelayState', 'SigAlg']
    .map((name) => [name, rawQueryValue(rawQuery, name)] as const)
    .filter(([, value]) => value !== null)
    .map(([name, value]) => `${name}=${value}`);
  if (sigAlg !== null) checkSignatureAlgorithm(sigAlg);
  const fields: Record<string, string> = { [param]: encoded };
  if (relayState !== null) fields.RelayState = relayState;
  if (sigAlg !== null) fields.SigAlg = sigAlg;
  if (signature !== null) fields.Signature = signature;
  const doc = parseXml(xml);
  return {
    param,
    xml,
    doc,
    relayState,
    signed: signature !== null,
    samlify: { binding: 'redirect', fields, octetString: octetParts.join('&') },
  };
}

/** HTTP-POST: base64 of the message; a signature is enveloped in its root. */
export function decodePost(form: Record<string, string>): DecodedMessage {
  const param: MessageParam | null =
    form.SAMLRequest !== undefined ? 'SAMLRequest' : form.SAMLResponse !== undefined ? 'SAMLResponse' : null;
  if (!param) throw refuse('saml_no_message', 'No SAML message was sent');
  const encoded = form[param]!;
  checkSize(encoded);
  const xml = Buffer.from(encoded, 'base64').toString('utf8');
  const relayState = form.RelayState ?? null;
  checkRelayState(relayState);
  const doc = parseXml(xml);
  checkXmlSignatureAlgorithms(doc);
  const fields: Record<string, string> = { [param]: encoded };
  if (relayState !== null) fields.RelayState = relayState;
  return {
    param,
    xml,
    doc,
    relayState,
    signed: nodes('/*/ds:Signature', doc).length > 0,
    samlify: { binding: 'post', fields },
  };
}

export function checkSignatureAlgorithm(algorithm: string): void {
  if (SHA1_ALGORITHMS.includes(algorithm) || /sha1$/i.test(algorithm)) {
    throw refuse('saml_weak_signature_algorithm', 'The SAML message is signed with SHA-1, which is refused');
  }
  if (!ACCEPTED_SIGNATURE_ALGORITHMS.includes(algorithm)) {
    throw refuse(
      'saml_unsupported_signature_algorithm',
      'The SAML message is signed with an unsupported algorithm (RSA-SHA256 is expected)',
    );
  }
}

/** Every SignatureMethod and DigestMethod anywhere in the document: SHA-1 is refused wherever it appears. */
function checkXmlSignatureAlgorithms(doc: Document): void {
  for (const method of nodes('//ds:SignatureMethod', doc) as Element[]) checkSignatureAlgorithm(attr(method, 'Algorithm') ?? '');
  for (const digest of nodes('//ds:DigestMethod', doc) as Element[]) {
    const algorithm = attr(digest, 'Algorithm') ?? '';
    if (/sha1$/i.test(algorithm)) throw refuse('saml_weak_signature_algorithm', 'The SAML message uses a SHA-1 digest, which is refused');
    if (!/#sha(256|384|512)$/.test(algorithm))
      throw refuse('saml_unsupported_signature_algorithm', 'The SAML message uses an unsupported digest');
  }
}

/**
 * An enveloped signature must be the root's own (XML signature wrapping, XSW): exactly one ds:Signature in the
 * document, a child of the root, with one Reference that names the root's ID.
 */
export function checkEnvelopedSignature(doc: Document): void {
  const root = doc.documentElement;
  const all = nodes('//ds:Signature', doc);
  const own = nodes('/*/ds:Signature', doc);
  const references = own.length === 1 ? (nodes('./ds:SignedInfo/ds:Reference', own[0]!) as Element[]) : [];
  const id = attr(root, 'ID');
  if (all.length !== 1 || own.length !== 1 || references.length !== 1 || !id || attr(references[0]!, 'URI') !== `#${id}`) {
    throw refuse('saml_wrapping_suspected', 'The signature of the SAML message does not cover the message itself');
  }
}

export const issuerOf = (doc: Document) => element('/*/saml:Issuer', doc)?.textContent?.trim() ?? null;
export const rootName = (doc: Document) => (doc.documentElement.namespaceURI === NS.samlp ? doc.documentElement.localName : null);
