// Our checks of a SAML Response beyond samlify's (SAML 2.0 Core §2.3–2.5, Profiles §4.1.4.2–4.1.4.3), and the
// one place that reads the assertion: everything is read from the assertion *as it was signed* (the signed
// reference samlify's verifier returns), never from the surrounding document, which an attacker can rewrap.
// Hardening against XML signature wrapping (XSW1–8): exactly one Assertion in the whole document, a direct child of
// the Response; no EncryptedAssertion; with signed assertions required, the Assertion's own enveloped signature is
// verified (a signed Response around it is not enough) and its Reference must point at that Assertion's ID.
import { DOMParser } from '@xmldom/xmldom';
import xpath from 'xpath';
import { FederationError } from './errors.js';
import { verifySignedAssertion, type IdpEntity } from './samlify.js';

const NS = {
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
};
const select = xpath.useNamespaces(NS);
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';

export interface SamlExpectations {
  idpEntityId: string;
  spEntityId: string;
  acsUrl: string;
  /** The id of the AuthnRequest of the flow this response must answer. */
  requestId: string;
  wantAssertionsSigned: boolean;
  clockSkewMs: number;
  now?: Date;
}

export interface VerifiedAssertion {
  id: string;
  /** Until when the assertion could be presented (replay cache lifetime). */
  notOnOrAfter: Date;
  nameId: string;
  nameIdFormat: string | null;
  attributes: Record<string, string | string[]>;
  sessionIndex: string | null;
  authnContextClassRef: string | null;
  authnInstant: Date | null;
}

const refuse = (code: string, message: string) => new FederationError(code, message);

function parse(xml: string): Document {
  const errors: string[] = [];
  const doc = new DOMParser({
    locator: {},
    errorHandler: { warning: () => {}, error: (m: string) => errors.push(m), fatalError: (m: string) => errors.push(m) },
  }).parseFromString(xml, 'text/xml');
  if (errors.length || !doc?.documentElement) throw refuse('saml_malformed', 'The SAML response is not well-formed XML');
  // No DTDs: they serve entity-expansion and XXE attacks and never appear in SAML.
  if (doc.doctype) throw refuse('saml_malformed', 'The SAML response carries a DTD');
  return doc as unknown as Document;
}

const nodes = (expression: string, context: Node) => select(expression, context) as Node[];
const element = (expression: string, context: Node) => nodes(expression, context)[0] as Element | undefined;
const attr = (el: Element | undefined, name: string) => (el && el.hasAttribute(name) ? el.getAttribute(name) : null);

function hasCommentOrElement(el: Element): boolean {
  for (let child = el.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === 8 /* comment */ || child.nodeType === 1 /* element */ || child.nodeType === 7 /* PI */) return true;
  }
  return false;
}

function time(value: string | null, field: string): Date | null {
  if (value === null) return null;
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw refuse('saml_malformed', `${field} is not a valid time`);
  return at;
}

/** Checks the document's shape: one Assertion, where it belongs; the NameID without hidden parts. */
function checkStructure(doc: Document): Element {
  const root = doc.documentElement;
  if (root.localName !== 'Response' || root.namespaceURI !== NS.samlp) throw refuse('saml_malformed', 'The message is not a SAML Response');
  const status = attr(element('./samlp:Status/samlp:StatusCode', root), 'Value');
  if (status !== 'urn:oasis:names:tc:SAML:2.0:status:Success') {
    throw refuse('saml_status_not_success', `The identity provider did not authenticate the person (${status ?? 'no status'})`);
  }
  if (nodes("//*[local-name()='EncryptedAssertion']", doc).length > 0) {
    throw refuse('saml_encrypted_assertion_unsupported', 'Encrypted assertions are not supported');
  }
  const all = nodes("//*[local-name()='Assertion']", doc);
  if (all.length !== 1) throw refuse('saml_wrapping_suspected', `The response carries ${all.length} assertions; exactly one is accepted`);
  const assertion = all[0] as Element;
  if (assertion.parentNode !== root || assertion.namespaceURI !== NS.saml) {
    throw refuse('saml_wrapping_suspected', 'The assertion is not where a SAML Response carries it');
  }
  // Comments (or elements) inside NameID: a parser that reads only the first text node would see another user.
  for (const nameId of nodes("//*[local-name()='NameID']", doc) as Element[]) {
    if (hasCommentOrElement(nameId)) throw refuse('saml_comment_in_identity', 'The NameID contains a comment or markup');
  }
  return assertion;
}

/** Returns the assertion XML as signed, proving the signature covers this very Assertion. */
function signedAssertion(xml: string, doc: Document, assertion: Element, idp: IdpEntity, wantAssertionsSigned: boolean): string {
  const assertionId = attr(assertion, 'ID');
  if (!assertionId) throw refuse('saml_malformed', 'The assertion has no ID');
  const ownSignatures = nodes('./ds:Signature', assertion) as Element[];
  let candidate = xml;
  if (wantAssertionsSigned) {
    if (ownSignatures.length === 0 && nodes('/samlp:Response/ds:Signature', doc).length === 0)
      throw refuse('saml_unsigned', 'The response is not signed');
    if (ownSignatures.length !== 1) throw refuse('saml_assertion_unsigned', 'The assertion is not signed');
    // Verify only the assertion's own signature: drop the Response's, so the verifier cannot settle for it.
    const copy = parse(xml);
    for (const signature of nodes('/samlp:Response/ds:Signature', copy)) signature.parentNode!.removeChild(signature);
    candidate = copy.toString();
  }
  const responseSignatures = nodes('/samlp:Response/ds:Signature', doc) as Element[];
  // The signature we rely on must reference, by ID, the element it is enveloped in: the Assertion, or (when
  // unsigned assertions are allowed) the Response. One Reference only, so no second, detached object is signed.
  const pointsAt = (signature: Element | undefined, id: string | null) => {
    if (!signature || !id) return false;
    const refs = nodes('./ds:SignedInfo/ds:Reference', signature) as Element[];
    return refs.length === 1 && attr(refs[0], 'URI') === `#${id}`;
  };
  const assertionSignatureOk = ownSignatures.length === 1 && pointsAt(ownSignatures[0], assertionId);
  const responseSignatureOk =
    !wantAssertionsSigned && responseSignatures.length === 1 && pointsAt(responseSignatures[0], attr(doc.documentElement, 'ID'));
  if (ownSignatures.length === 0 && responseSignatures.length === 0) throw refuse('saml_unsigned', 'The response is not signed');
  if (!assertionSignatureOk && !responseSignatureOk) {
    throw refuse(
      wantAssertionsSigned && ownSignatures.length === 0 ? 'saml_assertion_unsigned' : 'saml_wrapping_suspected',
      'No signature references the assertion (or response) it sits in',
    );
  }
  // SHA-1 signatures and digests are collision-prone: refused, whichever signature we rely on.
  const relied = [...(assertionSignatureOk ? [ownSignatures[0]!] : []), ...(responseSignatureOk ? [responseSignatures[0]!] : [])];
  for (const signature of relied) {
    const algorithms = nodes('./ds:SignedInfo/ds:SignatureMethod | ./ds:SignedInfo/ds:Reference/ds:DigestMethod', signature).map((n) =>
      attr(n as Element, 'Algorithm'),
    );
    if (algorithms.some((a) => !a || /sha1$/i.test(a))) throw refuse('saml_weak_signature_algorithm', 'The SAML signature uses SHA-1');
  }

  let verified: string | null;
  try {
    verified = verifySignedAssertion(candidate, idp);
  } catch (error) {
    throw new FederationError('saml_bad_signature', 'The SAML signature is not valid', { cause: error });
  }
  if (!verified) throw refuse('saml_bad_signature', 'The SAML signature is not valid');
  const signed = parse(verified).documentElement;
  if (signed.localName !== 'Assertion' || attr(signed, 'ID') !== assertionId) {
    throw refuse('saml_wrapping_suspected', 'The signed assertion is not the assertion in the response');
  }
  return verified;
}

/** Runs every check and reads the identity from the signed assertion. Throws FederationError with a stable code. */
export function verifySamlResponse(xml: string, idp: IdpEntity, expect: SamlExpectations): VerifiedAssertion {
  const doc = parse(xml);
  const assertion = checkStructure(doc);
  const root = doc.documentElement;
  // Destination is part of the (possibly unsigned) Response: when present it must be us (Bindings §3.5.5.2).
  const destination = attr(root, 'Destination');
  if (destination !== null && destination !== expect.acsUrl)
    throw refuse('saml_wrong_destination', 'The response is addressed to another endpoint');

  const signedXml = signedAssertion(xml, doc, assertion, idp, expect.wantAssertionsSigned);
  const signed = parse(signedXml).documentElement as Element;
  const now = (expect.now ?? new Date()).getTime();
  const skew = expect.clockSkewMs;

  const issuer = element('./saml:Issuer', signed)?.textContent?.trim();
  if (issuer !== expect.idpEntityId) throw refuse('saml_wrong_issuer', 'The assertion was issued by another entity');

  // Conditions (Core §2.5.1): time window and audience.
  const conditions = element('./saml:Conditions', signed);
  const notBefore = time(attr(conditions, 'NotBefore'), 'NotBefore');
  const notOnOrAfter = time(attr(conditions, 'NotOnOrAfter'), 'NotOnOrAfter');
  if (notBefore && now + skew < notBefore.getTime()) throw refuse('saml_not_yet_valid', 'The assertion is not valid yet');
  if (notOnOrAfter && now - skew >= notOnOrAfter.getTime()) throw refuse('saml_expired', 'The assertion has expired');
  const audiences = conditions
    ? nodes('./saml:AudienceRestriction', conditions).map((r) => nodes('./saml:Audience', r).map((a) => a.textContent?.trim()))
    : [];
  // Every AudienceRestriction must name us (Core §2.5.1.4); at least one is required by the Web SSO profile.
  if (audiences.length === 0 || !audiences.every((list) => list.includes(expect.spEntityId))) {
    throw refuse('saml_wrong_audience', 'The assertion is not meant for this service provider');
  }

  // Subject (Profiles §4.1.4.2): a bearer confirmation for our ACS, answering our request, still valid.
  const subject = element('./saml:Subject', signed);
  const nameIdEl = subject ? element('./saml:NameID', subject) : undefined;
  const nameId = nameIdEl?.textContent?.trim();
  if (!nameIdEl || !nameId) throw refuse('saml_no_subject', 'The assertion names no subject');
  const confirmations = subject
    ? (nodes(`./saml:SubjectConfirmation[@Method='${BEARER}']/saml:SubjectConfirmationData`, subject) as Element[])
    : [];
  if (confirmations.length === 0) throw refuse('saml_no_bearer_confirmation', 'The assertion has no bearer subject confirmation');
  const problems = confirmations.map((data): [string, string] | null => {
    if (attr(data, 'Recipient') !== expect.acsUrl) return ['saml_wrong_recipient', 'The assertion is meant for another recipient'];
    const inResponseTo = attr(data, 'InResponseTo');
    if (!inResponseTo || inResponseTo !== expect.requestId)
      return ['saml_in_response_to_mismatch', 'The assertion does not answer the request of this login'];
    const until = time(attr(data, 'NotOnOrAfter'), 'SubjectConfirmationData NotOnOrAfter');
    if (!until || now - skew >= until.getTime()) return ['saml_expired', 'The subject confirmation has expired'];
    const from = time(attr(data, 'NotBefore'), 'SubjectConfirmationData NotBefore');
    if (from && now + skew < from.getTime()) return ['saml_not_yet_valid', 'The subject confirmation is not valid yet'];
    return null;
  });
  if (!problems.includes(null)) {
    const [code, message] = problems[0]!;
    throw refuse(code, message);
  }
  const responseInResponseTo = attr(root, 'InResponseTo');
  if (responseInResponseTo !== null && responseInResponseTo !== expect.requestId) {
    throw refuse('saml_in_response_to_mismatch', 'The response does not answer the request of this login');
  }

  const attributes: Record<string, string | string[]> = {};
  for (const attribute of nodes('./saml:AttributeStatement/saml:Attribute', signed) as Element[]) {
    const name = attr(attribute, 'Name');
    if (!name) continue;
    const values = nodes('./saml:AttributeValue', attribute).map((v) => (v.textContent ?? '').trim());
    const previous = attributes[name];
    const merged = [...(previous === undefined ? [] : Array.isArray(previous) ? previous : [previous]), ...values];
    attributes[name] = merged.length === 1 ? merged[0]! : merged;
  }
  const authn = element('./saml:AuthnStatement', signed);
  const confirmationEnd = confirmations.map((c) => time(attr(c, 'NotOnOrAfter'), 'NotOnOrAfter')!.getTime());
  return {
    id: attr(signed, 'ID')!,
    notOnOrAfter: new Date(Math.max(notOnOrAfter?.getTime() ?? 0, ...confirmationEnd) + skew),
    nameId,
    nameIdFormat: attr(nameIdEl, 'Format'),
    attributes,
    sessionIndex: attr(authn, 'SessionIndex'),
    authnContextClassRef: authn ? (element('./saml:AuthnContext/saml:AuthnContextClassRef', authn)?.textContent?.trim() ?? null) : null,
    authnInstant: time(attr(authn, 'AuthnInstant'), 'AuthnInstant'),
  };
}
