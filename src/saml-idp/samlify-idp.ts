// samlify in the IdP role: the entities that stand for jitbridge and for one registered SP, and the calls that
// parse requests and build signed messages with them. samlify itself comes from the one wrapper that owns its
// packaging quirks (src/federation/samlify.ts); signing and verification are samlify's (xml-crypto), never ours.
import { randomBytes } from 'node:crypto';
import { BINDING_POST, BINDING_REDIRECT, samlifyApi, type IdpEntity, type SpEntity } from '../federation/index.js';
import { type DataEncryptionAlgorithm } from '../domain/index.js';

export { BINDING_POST, BINDING_REDIRECT, type IdpEntity, type SpEntity };

export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const DATA_ENCRYPTION: Record<DataEncryptionAlgorithm, string> = {
  'aes256-gcm': 'http://www.w3.org/2009/xmlenc11#aes256-gcm',
  'aes256-cbc': 'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
};
/** The only key transport samlify's xml-encryption offers (RSA-OAEP with MGF1; its hash is part of the padding, not a signature). */
export const KEY_TRANSPORT = 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p';

interface SamlLib {
  replaceTagsByValue(xml: string, values: Record<string, unknown>): string;
  constructSAMLSignature(opts: Record<string, unknown>): string;
}
const samlLib = () => (samlifyApi() as unknown as { SamlLib: SamlLib }).SamlLib;

/** An unguessable SAML ID (xs:ID: must not start with a digit). */
export const newSamlId = () => `_${randomBytes(20).toString('hex')}`;

/** samlify's template filler: every value is XML-escaped; a null value drops its attribute or element. */
export const fillTemplate = (template: string, values: Record<string, string | null | undefined>) =>
  samlLib().replaceTagsByValue(template, values);

export interface IdpEndpoints {
  entityId: string;
  ssoUrl: string;
  sloUrl: string;
  metadataUrl: string;
}

export interface SigningMaterial {
  certificatePem: string;
  privateKeyPem: string;
}

export interface IdpEntityOptions {
  endpoints: IdpEndpoints;
  signing: SigningMaterial;
  /** The NameID format of the message to build (samlify takes the first). */
  nameIdFormats: string[];
  /** Whether samlify verifies the signature of an incoming AuthnRequest / LogoutRequest / LogoutResponse. */
  checkSignatures?: boolean;
  encryption?: DataEncryptionAlgorithm | null;
}

export function buildIdpEntity(options: IdpEntityOptions): IdpEntity {
  const samlify = samlifyApi();
  return samlify.IdentityProvider({
    entityID: options.endpoints.entityId,
    signingCert: options.signing.certificatePem,
    privateKey: options.signing.privateKeyPem,
    singleSignOnService: [
      { Binding: BINDING_REDIRECT, Location: options.endpoints.ssoUrl },
      { Binding: BINDING_POST, Location: options.endpoints.ssoUrl },
    ],
    singleLogoutService: [
      { Binding: BINDING_REDIRECT, Location: options.endpoints.sloUrl },
      { Binding: BINDING_POST, Location: options.endpoints.sloUrl },
    ],
    nameIDFormat: options.nameIdFormats,
    wantAuthnRequestsSigned: options.checkSignatures ?? false,
    wantLogoutRequestSigned: options.checkSignatures ?? false,
    wantLogoutResponseSigned: options.checkSignatures ?? false,
    requestSignatureAlgorithm: RSA_SHA256,
    isAssertionEncrypted: Boolean(options.encryption),
    ...(options.encryption ? { dataEncryptionAlgorithm: DATA_ENCRYPTION[options.encryption], keyEncryptionAlgorithm: KEY_TRANSPORT } : {}),
    generateID: newSamlId,
  } as Parameters<typeof samlify.IdentityProvider>[0]);
}

export interface SpEntityOptions {
  entityId: string;
  /** The one ACS this message goes to (samlify reads "the" POST ACS of the entity). */
  acsUrl?: string;
  /** The SLO endpoint this message goes to, with its binding. */
  slo?: { binding: 'HTTP-Redirect' | 'HTTP-POST'; url: string };
  /** One certificate: samlify's Redirect-binding verifier takes a single one, so callers try each in turn. */
  signingCertificate?: string | null;
  encryptionCertificate?: string | null;
  signAssertion?: boolean;
  signResponse?: boolean;
}

export function buildSpEntity(options: SpEntityOptions): SpEntity {
  const samlify = samlifyApi();
  return samlify.ServiceProvider({
    entityID: options.entityId,
    assertionConsumerService: options.acsUrl ? [{ Binding: BINDING_POST, Location: options.acsUrl }] : [],
    singleLogoutService: options.slo
      ? [{ Binding: options.slo.binding === 'HTTP-POST' ? BINDING_POST : BINDING_REDIRECT, Location: options.slo.url }]
      : [],
    ...(options.signingCertificate ? { signingCert: options.signingCertificate } : {}),
    ...(options.encryptionCertificate ? { encryptCert: options.encryptionCertificate } : {}),
    wantAssertionsSigned: options.signAssertion ?? true,
    wantMessageSigned: options.signResponse ?? false,
    // What we send the SP (LogoutRequest / LogoutResponse) is always signed.
    wantLogoutRequestSigned: true,
    wantLogoutResponseSigned: true,
    requestSignatureAlgorithm: RSA_SHA256,
  } as Parameters<typeof samlify.ServiceProvider>[0]);
}

/** An incoming message as samlify's flow reads it: decoded query or form fields, and the signed octet string of a Redirect. */
export interface IncomingMessage {
  binding: 'redirect' | 'post';
  fields: Record<string, string>;
  /** Redirect binding: `SAMLRequest=…&RelayState=…&SigAlg=…` exactly as received (SAML Bindings §3.4.4.1). */
  octetString?: string;
}

const asRequest = (message: IncomingMessage) =>
  message.binding === 'redirect' ? { query: message.fields, octetString: message.octetString ?? '' } : { body: message.fields };

export interface ParsedMessage {
  samlContent: string;
  extract: Record<string, unknown>;
}

/** samlify's parse: schema validation, then the signature check when the IdP entity was built to check signatures. */
export async function samlifyParseLoginRequest(idp: IdpEntity, sp: SpEntity, message: IncomingMessage): Promise<ParsedMessage> {
  return (await idp.parseLoginRequest(sp, message.binding, asRequest(message) as never)) as unknown as ParsedMessage;
}

export async function samlifyParseLogoutRequest(idp: IdpEntity, sp: SpEntity, message: IncomingMessage): Promise<ParsedMessage> {
  return (await idp.parseLogoutRequest(sp, message.binding, asRequest(message) as never)) as unknown as ParsedMessage;
}

export async function samlifyParseLogoutResponse(idp: IdpEntity, sp: SpEntity, message: IncomingMessage): Promise<ParsedMessage> {
  return (await idp.parseLogoutResponse(sp, message.binding, asRequest(message) as never)) as unknown as ParsedMessage;
}

/**
 * samlify's login response: our template (rendered by `render`), then samlify signs the assertion and/or the
 * Response as the SP entity says, and encrypts the assertion when the IdP entity says so. With encryption the
 * order is sign assertion → encrypt → sign Response (encryptThenSign), so a Response signature covers the
 * EncryptedAssertion it carries. Returns the base64 SAMLResponse.
 */
export async function samlifyLoginResponse(
  idp: IdpEntity,
  sp: SpEntity,
  render: (template: string) => { id: string; context: string },
  encrypt: boolean,
): Promise<string> {
  const result = (await idp.createLoginResponse(sp, {} as never, 'post', {}, {
    customTagReplacement: render,
    encryptThenSign: encrypt,
  } as never)) as unknown as { context: string };
  return result.context;
}

export interface OutgoingMessage {
  id: string;
  /** Redirect: the full URL; POST: the base64 message. */
  context: string;
  binding: 'redirect' | 'post';
}

/** A signed LogoutRequest to the SP (samlify's default template; NameID format from the IdP entity). */
export function samlifyLogoutRequest(
  idp: IdpEntity,
  sp: SpEntity,
  binding: 'redirect' | 'post',
  user: { nameId: string; sessionIndex: string },
  relayState: string,
): OutgoingMessage {
  const made = idp.createLogoutRequest(sp, binding, { logoutNameID: user.nameId, sessionIndex: user.sessionIndex }, {
    relayState,
  } as never) as unknown as {
    id: string;
    context: string;
  };
  return { id: made.id, context: made.context, binding };
}

/** A signed LogoutResponse answering `inResponseTo`, with the given status. */
export function samlifyLogoutResponse(
  idp: IdpEntity,
  sp: SpEntity,
  binding: 'redirect' | 'post',
  answer: { inResponseTo: string; destination: string; statusCode: string },
  relayState: string,
): OutgoingMessage {
  const render = (template: string) => {
    const id = newSamlId();
    const context = fillTemplate(template, {
      ID: id,
      IssueInstant: new Date().toISOString(),
      Destination: answer.destination,
      InResponseTo: answer.inResponseTo,
      Issuer: idp.entityMeta.getEntityID(),
      StatusCode: answer.statusCode,
    });
    return { id, context };
  };
  const made = idp.createLogoutResponse(sp, { extract: { request: { id: answer.inResponseTo } } } as never, binding, {
    relayState,
    customTagReplacement: render,
  } as never) as unknown as { id: string; context: string };
  return { id: made.id, context: made.context, binding };
}

/** IdP metadata as samlify writes it, listing every published signing certificate. */
export function samlifyIdpMetadata(options: { endpoints: IdpEndpoints; certificates: string[]; nameIdFormats: string[] }): string {
  const samlify = samlifyApi();
  const idp = samlify.IdentityProvider({
    entityID: options.endpoints.entityId,
    signingCert: options.certificates as unknown as string,
    singleSignOnService: [
      { Binding: BINDING_REDIRECT, Location: options.endpoints.ssoUrl },
      { Binding: BINDING_POST, Location: options.endpoints.ssoUrl },
    ],
    singleLogoutService: [
      { Binding: BINDING_REDIRECT, Location: options.endpoints.sloUrl },
      { Binding: BINDING_POST, Location: options.endpoints.sloUrl },
    ],
    nameIDFormat: options.nameIdFormats,
    wantAuthnRequestsSigned: false,
  });
  return idp.getMetadata();
}

/**
 * Signs a whole document (its root, enveloped, RSA-SHA256, exclusive c14n) with samlify's signer. The Signature
 * goes after the element `after` names (a protocol message: its Issuer), else first in the root (metadata). The
 * root must carry an ID attribute.
 */
export function samlifySignRoot(xml: string, signing: SigningMaterial, after?: string): string {
  return samlLib().constructSAMLSignature({
    rawSamlMessage: xml,
    isMessageSigned: true,
    privateKey: signing.privateKeyPem,
    // samlify's KeyInfo wants the certificate's base64 body, not PEM.
    signingCert: signing.certificatePem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, ''),
    signatureAlgorithm: RSA_SHA256,
    isBase64Output: false,
    signatureConfig: { prefix: 'ds', location: after ? { reference: after, action: 'after' } : { reference: '/*', action: 'prepend' } },
  });
}

/** The SP metadata document as samlify reads it (import): entity ID, endpoints and certificates. */
export function samlifySpMetadata(xml: string) {
  const samlify = samlifyApi();
  return samlify.SPMetadata(xml);
}
