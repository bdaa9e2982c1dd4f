// Every quirk of samlify's packaging and API lives here: its CommonJS default export, the schema validator it
// needs before it parses anything, its entity constructors and its signature verifier. Nothing else imports samlify.
import samlifyModule from 'samlify';
import * as xmllint from '@authenio/samlify-node-xmllint';

type Samlify = typeof import('samlify');
const samlify = samlifyModule as unknown as Samlify & {
  IdPMetadata: (xml: string | Buffer) => IdpMetadataView;
  SamlLib: { verifySignature(xml: string, options: { metadata: unknown; signatureAlgorithm?: string }): [boolean, string | null] };
};

export type SpEntity = ReturnType<Samlify['ServiceProvider']>;
export type IdpEntity = ReturnType<Samlify['IdentityProvider']>;

export interface IdpMetadataView {
  getEntityID(): string;
  getSingleSignOnService(binding: string): string | object;
  getX509Certificate(use: string): string | string[] | null;
  getNameIDFormat(): string[] | string | undefined;
}

export const BINDING_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
export const BINDING_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

let validatorSet = false;
/** A small schema-valid SAML message: validating it compiles the validator without logging a schema error. */
const WARM_UP =
  '<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_warm_up" Version="2.0" IssueInstant="2000-01-01T00:00:00Z">' +
  '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:LogoutResponse>';
/**
 * samlify refuses to parse anything until a schema validator is set; xmllint (WASM) works offline. Compiling the
 * WASM module takes seconds the first time, so it is warmed up at once (the first login's response comes later).
 * Note that node-xmllint validates synchronously: the warm-up, and each validation after it, hold the event loop.
 */
export function ensureSchemaValidator(): void {
  if (validatorSet) return;
  const module = xmllint as unknown as {
    validate?: (xml: string) => Promise<unknown>;
    default?: { validate: (xml: string) => Promise<unknown> };
  };
  const validate = module.validate ?? module.default!.validate;
  samlify.setSchemaValidator({ validate });
  validatorSet = true;
  void validate(WARM_UP).catch(() => undefined);
}

/** samlify itself, validator set, for the app-facing IdP role (src/saml-idp/samlify-idp.ts keeps its quirks there). */
export function samlifyApi(): Samlify {
  ensureSchemaValidator();
  return samlify;
}

export function loadIdpMetadata(xml: string): IdpMetadataView {
  return samlify.IdPMetadata(xml);
}

export interface SpOptions {
  entityId: string;
  acsUrl: string;
  wantAssertionsSigned: boolean;
  nameIdFormat?: string | undefined;
  /** [before, after] in ms, applied by samlify to NotBefore / NotOnOrAfter. */
  clockDriftMs: number;
}

export function buildSp(options: SpOptions): SpEntity {
  ensureSchemaValidator();
  return samlify.ServiceProvider({
    entityID: options.entityId,
    assertionConsumerService: [{ Binding: BINDING_POST, Location: options.acsUrl }],
    wantAssertionsSigned: options.wantAssertionsSigned,
    authnRequestsSigned: false,
    // The NameIDPolicy of our AuthnRequests: the configured format, else `unspecified` (samlify's default,
    // emailAddress with AllowCreate=false, makes several IdPs answer InvalidNameIDPolicy).
    nameIDFormat: [options.nameIdFormat ?? 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified'],
    allowCreate: true,
    clockDrifts: [-options.clockDriftMs, options.clockDriftMs],
  });
}

export function buildIdp(options: { entityId: string; ssoUrl: string; signingCertificates: string[] }): IdpEntity {
  ensureSchemaValidator();
  return samlify.IdentityProvider({
    entityID: options.entityId,
    signingCert: options.signingCertificates as unknown as string,
    singleSignOnService: [{ Binding: BINDING_REDIRECT, Location: options.ssoUrl }],
    wantAuthnRequestsSigned: false,
  });
}

/** An AuthnRequest for the HTTP-Redirect binding (SAML Bindings §3.4): its id and the URL to send the person to. */
export function createAuthnRequest(sp: SpEntity, idp: IdpEntity, relayState: string): { id: string; url: string } {
  const request = sp.createLoginRequest(idp, 'redirect', { relayState }) as { id: string; context: string };
  return { id: request.id, url: request.context };
}

/**
 * samlify's own checks of an HTTP-POST response: schema, status, a valid signature (Response or Assertion),
 * issuer and time window. It does not check audience, recipient, InResponseTo, replay, or that the assertion
 * itself is signed; saml-verify.ts does those.
 */
export async function samlifyParseResponse(sp: SpEntity, idp: IdpEntity, samlResponse: string): Promise<void> {
  await sp.parseLoginResponse(idp, 'post', { body: { SAMLResponse: samlResponse } } as never);
}

/** Verifies an enveloped signature in `xml` with the IdP's certificates; returns the signed Assertion as it was signed. */
export function verifySignedAssertion(xml: string, idp: IdpEntity): string | null {
  const [verified, assertion] = samlify.SamlLib.verifySignature(xml, { metadata: (idp as unknown as { entityMeta: unknown }).entityMeta });
  return verified ? assertion : null;
}

export function spMetadata(sp: SpEntity): string {
  return sp.getMetadata();
}
