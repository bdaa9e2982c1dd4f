// The SAML checks of saml-verify.ts on their own, with responses signed by the test IdP's key: the layers behind
// the structural XSW check (which reference a signature must carry), audiences, skew, attributes, DTDs.
import { describe, expect, it } from 'vitest';
import { verifySamlResponse, type SamlExpectations } from '../../src/federation/saml-verify.js';
import { buildIdp } from '../../src/federation/samlify.js';
import { buildResponse, IDP_KEYS, signResponse, type ResponseOptions } from '../support/saml-idp.js';

const IDP = 'https://idp.test/metadata';
const SP = 'https://bridge.test/federation/x/saml/metadata';
const ACS = 'https://bridge.test/federation/x/saml/acs';
const upstream = buildIdp({ entityId: IDP, ssoUrl: 'https://idp.test/sso', signingCertificates: [IDP_KEYS.cert] });
const expectations: SamlExpectations = {
  idpEntityId: IDP,
  spEntityId: SP,
  acsUrl: ACS,
  requestId: '_req1',
  wantAssertionsSigned: true,
  clockSkewMs: 60_000,
};
const user = { nameId: 'alice@example.com', attributes: { mail: 'alice@example.com', groups: ['a', 'b'] } };
const response = (o: Partial<ResponseOptions> = {}) => buildResponse(IDP, { requestId: '_req1', acsUrl: ACS, audience: SP, user, ...o });
const refusedWith = (xml: string, code: string, e: Partial<SamlExpectations> = {}) =>
  expect(() => verifySamlResponse(xml, upstream, { ...expectations, ...e })).toThrow(expect.objectContaining({ code }));

describe('verifySamlResponse', () => {
  it('reads the identity from the signed assertion: NameID, single and multi-valued attributes, authn context', () => {
    const verified = verifySamlResponse(signResponse(response(), 'assertion'), upstream, expectations);
    expect(verified).toMatchObject({
      nameId: 'alice@example.com',
      attributes: { mail: 'alice@example.com', groups: ['a', 'b'] },
      authnContextClassRef: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
    });
    expect(verified.id).toMatch(/^_/);
    expect(verified.sessionIndex).toMatch(/^_/);
  });

  it('refuses an assertion signature whose Reference is not that assertion', async () => {
    // A valid signature over the whole Response, placed inside the Assertion: the assertion is not what it signs.
    const samlify = (await import('samlify')).default as unknown as {
      SamlLib: { constructSAMLSignature(o: Record<string, unknown>): string };
    };
    const xml = samlify.SamlLib.constructSAMLSignature({
      rawSamlMessage: response(),
      isMessageSigned: true,
      privateKey: IDP_KEYS.key,
      signingCert: IDP_KEYS.cert.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, ''),
      signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
      isBase64Output: false,
      signatureConfig: {
        prefix: 'ds',
        location: { reference: "/*[local-name(.)='Response']/*[local-name(.)='Assertion']/*[local-name(.)='Issuer']", action: 'after' },
      },
    });
    refusedWith(xml, 'saml_wrapping_suspected');
  });

  it('refuses SHA-1 signatures', async () => {
    const samlify = (await import('samlify')).default as unknown as {
      SamlLib: { constructSAMLSignature(o: Record<string, unknown>): string };
    };
    const xml = samlify.SamlLib.constructSAMLSignature({
      rawSamlMessage: response(),
      referenceTagXPath: "/*[local-name(.)='Response']/*[local-name(.)='Assertion']",
      privateKey: IDP_KEYS.key,
      signingCert: IDP_KEYS.cert.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, ''),
      signatureAlgorithm: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
      isBase64Output: false,
      signatureConfig: {
        prefix: 'ds',
        location: { reference: "/*[local-name(.)='Response']/*[local-name(.)='Assertion']/*[local-name(.)='Issuer']", action: 'after' },
      },
    });
    expect(xml).toContain('xmldsig#rsa-sha1');
    refusedWith(xml, 'saml_weak_signature_algorithm');
  });

  it('refuses DTDs, encrypted assertions and non-Response messages', () => {
    refusedWith(`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "y">]>${signResponse(response(), 'assertion')}`, 'saml_malformed');
    const encrypted = response().replace(
      /<saml:Assertion [\s\S]*<\/saml:Assertion>/,
      '<saml:EncryptedAssertion><x/></saml:EncryptedAssertion>',
    );
    refusedWith(encrypted, 'saml_encrypted_assertion_unsupported');
    refusedWith('<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x"/>', 'saml_malformed');
  });

  it('needs every AudienceRestriction to name us', () => {
    const twice = response().replace(
      '</saml:AudienceRestriction>',
      '</saml:AudienceRestriction><saml:AudienceRestriction><saml:Audience>urn:other</saml:Audience></saml:AudienceRestriction>',
    );
    refusedWith(signResponse(twice, 'assertion'), 'saml_wrong_audience');
  });

  it('allows a small clock skew and no more', () => {
    const xml = signResponse(response({ lifetimeSeconds: 300 }), 'assertion');
    const at = (seconds: number) => new Date(Date.now() + seconds * 1000);
    expect(() => verifySamlResponse(xml, upstream, { ...expectations, now: at(330) })).not.toThrow();
    refusedWith(xml, 'saml_expired', { now: at(400) });
    expect(() => verifySamlResponse(xml, upstream, { ...expectations, now: at(-40) })).not.toThrow();
    refusedWith(xml, 'saml_not_yet_valid', { now: at(-90) });
  });

  it('refuses a Response whose InResponseTo differs from the assertion’s', () => {
    const xml = signResponse(response(), 'assertion').replace(/(<samlp:Response[^>]*InResponseTo=")_req1"/, '$1_other"');
    refusedWith(xml, 'saml_in_response_to_mismatch');
  });
});
