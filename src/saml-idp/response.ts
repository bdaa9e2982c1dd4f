// The SAML Response to an SP's ACS (Core §2.3–2.7, §3.2.2; Profiles §4.1.4.2): Issuer, Destination = the ACS,
// InResponseTo; one assertion with Audience = the SP, a bearer SubjectConfirmation for the ACS, the time window,
// an AuthnStatement with SessionIndex and the AuthnContextClassRef, and the attribute statement. samlify signs
// it (assertion and/or Response, RSA-SHA256, exclusive c14n) and encrypts the assertion when the SP asks.
import { type SamlAppSettings } from '../domain/index.js';
import type { AttributeOut, NameIdValue } from './assertion-content.js';
import { CLOCK_SKEW_MS } from './endpoints.js';
import type { SamlIdpKeys } from './keys.js';
import { buildIdpEntity, buildSpEntity, newSamlId, samlifyLoginResponse, samlifySignRoot, type IdpEndpoints } from './samlify-idp.js';
import { escapeXml, renderXml } from './xml.js';

export const STATUS = {
  success: 'urn:oasis:names:tc:SAML:2.0:status:Success',
  requester: 'urn:oasis:names:tc:SAML:2.0:status:Requester',
  responder: 'urn:oasis:names:tc:SAML:2.0:status:Responder',
  noPassive: 'urn:oasis:names:tc:SAML:2.0:status:NoPassive',
  noAuthnContext: 'urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext',
  invalidNameIdPolicy: 'urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy',
  authnFailed: 'urn:oasis:names:tc:SAML:2.0:status:AuthnFailed',
  requestDenied: 'urn:oasis:names:tc:SAML:2.0:status:RequestDenied',
  partialLogout: 'urn:oasis:names:tc:SAML:2.0:status:PartialLogout',
} as const;

/** Second-level codes go under Requester or Responder (Core §3.2.2.2). */
export const TOP_LEVEL_OF: Record<string, string> = {
  [STATUS.noPassive]: STATUS.responder,
  [STATUS.noAuthnContext]: STATUS.responder,
  [STATUS.invalidNameIdPolicy]: STATUS.responder,
  [STATUS.authnFailed]: STATUS.responder,
  [STATUS.requestDenied]: STATUS.responder,
};

const RESPONSE_TEMPLATE =
  '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{ID}" Version="2.0" IssueInstant="{IssueInstant}" Destination="{Destination}" InResponseTo="{InResponseTo}">' +
  '<saml:Issuer>{Issuer}</saml:Issuer>' +
  '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>' +
  '<saml:Assertion xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema" ID="{AssertionID}" Version="2.0" IssueInstant="{IssueInstant}">' +
  '<saml:Issuer>{Issuer}</saml:Issuer>' +
  '<saml:Subject><saml:NameID Format="{NameIDFormat}" SPNameQualifier="{SPNameQualifier}">{NameID}</saml:NameID>' +
  '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">' +
  '<saml:SubjectConfirmationData NotOnOrAfter="{NotOnOrAfter}" Recipient="{Destination}" InResponseTo="{InResponseTo}"/>' +
  '</saml:SubjectConfirmation></saml:Subject>' +
  '<saml:Conditions NotBefore="{NotBefore}" NotOnOrAfter="{NotOnOrAfter}"><saml:AudienceRestriction><saml:Audience>{Audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>' +
  '<saml:AuthnStatement AuthnInstant="{AuthnInstant}" SessionIndex="{SessionIndex}" SessionNotOnOrAfter="{SessionNotOnOrAfter}">' +
  '<saml:AuthnContext><saml:AuthnContextClassRef>{AuthnContextClassRef}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>' +
  '{AttributeStatement}' +
  '</saml:Assertion></samlp:Response>';

function attributeStatement(attributes: AttributeOut[]): string {
  if (attributes.length === 0) return '';
  const body = attributes
    .map((a) => {
      const values = a.values.map((v) => `<saml:AttributeValue xsi:type="xs:string">${escapeXml(v)}</saml:AttributeValue>`).join('');
      return renderXml('<saml:Attribute Name="{Name}" NameFormat="{NameFormat}" FriendlyName="{FriendlyName}">{Values}</saml:Attribute>', {
        Name: a.name,
        NameFormat: a.nameFormat,
        FriendlyName: a.friendlyName,
        Values: { raw: values },
      });
    })
    .join('');
  return `<saml:AttributeStatement>${body}</saml:AttributeStatement>`;
}

const iso = (ms: number) => new Date(ms).toISOString();

export interface LoginResponseInput {
  settings: SamlAppSettings;
  endpoints: IdpEndpoints;
  keys: SamlIdpKeys;
  acsUrl: string;
  inResponseTo: string | null;
  nameId: NameIdValue;
  attributes: AttributeOut[];
  sessionIndex: string;
  sessionNotOnOrAfter: Date;
  authnInstant: Date;
  authnContextClassRef: string;
  now?: number;
}

/** The base64 SAMLResponse, built and signed (and encrypted) by samlify. */
export async function buildLoginResponse(input: LoginResponseInput): Promise<string> {
  const { settings } = input;
  const now = input.now ?? Date.now();
  const idp = buildIdpEntity({
    endpoints: input.endpoints,
    signing: input.keys.current,
    nameIdFormats: [input.nameId.format],
    encryption: settings.encryption?.algorithm ?? null,
  });
  const sp = buildSpEntity({
    entityId: settings.entityId,
    acsUrl: input.acsUrl,
    encryptionCertificate: settings.encryptionCertificate,
    signAssertion: settings.signAssertion,
    signResponse: settings.signResponse,
  });
  const render = () => {
    const id = newSamlId();
    const context = renderXml(RESPONSE_TEMPLATE, {
      ID: id,
      AssertionID: newSamlId(),
      IssueInstant: iso(now),
      Destination: input.acsUrl,
      InResponseTo: input.inResponseTo,
      Issuer: input.endpoints.entityId,
      NameIDFormat: input.nameId.format,
      SPNameQualifier: input.nameId.format.endsWith(':persistent') ? settings.entityId : null,
      NameID: input.nameId.value,
      NotBefore: iso(now - CLOCK_SKEW_MS),
      NotOnOrAfter: iso(now + settings.assertionLifetimeSeconds * 1000),
      Audience: settings.entityId,
      AuthnInstant: iso(input.authnInstant.getTime()),
      SessionIndex: input.sessionIndex,
      SessionNotOnOrAfter: iso(input.sessionNotOnOrAfter.getTime()),
      AuthnContextClassRef: input.authnContextClassRef,
      AttributeStatement: { raw: attributeStatement(input.attributes) },
    });
    return { id, context };
  };
  return samlifyLoginResponse(idp, sp, render, Boolean(settings.encryption));
}

const STATUS_TEMPLATE =
  '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{ID}" Version="2.0" IssueInstant="{IssueInstant}" Destination="{Destination}" InResponseTo="{InResponseTo}">' +
  '<saml:Issuer>{Issuer}</saml:Issuer>' +
  '<samlp:Status><samlp:StatusCode Value="{TopStatus}">{SecondStatus}</samlp:StatusCode><samlp:StatusMessage>{StatusMessage}</samlp:StatusMessage></samlp:Status>' +
  '</samlp:Response>';

/** A Response without an assertion (NoPassive, NoAuthnContext, …), signed by samlify's signer so the SP can trust the status. */
export function buildStatusResponse(input: {
  endpoints: IdpEndpoints;
  keys: SamlIdpKeys;
  acsUrl: string;
  inResponseTo: string | null;
  status: string;
  message: string;
}): string {
  const top = TOP_LEVEL_OF[input.status] ?? input.status;
  const xml = renderXml(STATUS_TEMPLATE, {
    ID: newSamlId(),
    IssueInstant: new Date().toISOString(),
    Destination: input.acsUrl,
    InResponseTo: input.inResponseTo,
    Issuer: input.endpoints.entityId,
    TopStatus: top,
    SecondStatus: { raw: top === input.status ? '' : `<samlp:StatusCode Value="${escapeXml(input.status)}"/>` },
    StatusMessage: input.message,
  });
  const signed = samlifySignRoot(xml, input.keys.current, "/*[local-name(.)='Response']/*[local-name(.)='Issuer']");
  return Buffer.from(signed, 'utf8').toString('base64');
}
