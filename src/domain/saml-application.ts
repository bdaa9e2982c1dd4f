// A SAML 2.0 service provider registered as an application (protocol 'saml'): what the IdP side of jitbridge
// needs to answer it. Plain data, checked by the admin API (src/admin/saml-application-schema.ts).

export const NAME_ID_FORMATS = {
  persistent: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  emailAddress: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  unspecified: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
  transient: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
} as const;
export type NameIdFormat = keyof typeof NAME_ID_FORMATS;

export const ATTRIBUTE_NAME_FORMATS = {
  uri: 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri',
  basic: 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic',
  unspecified: 'urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified',
} as const;
export type AttributeNameFormat = keyof typeof ATTRIBUTE_NAME_FORMATS;

/** Where a NameID or attribute value comes from besides a SCIM attribute path. */
export const VALUE_EXPRESSIONS = ['$sub', '$groups', '$roles', '$emails', '$primaryEmail'] as const;
export type ValueExpression = (typeof VALUE_EXPRESSIONS)[number];

export interface AssertionConsumerService {
  /** Responses go by HTTP-POST only (Profiles §4.1.2: HTTP-Redirect cannot carry a Response; Artifact is not offered). */
  binding: 'HTTP-POST';
  url: string;
  index: number;
  isDefault: boolean;
}

export interface SingleLogoutService {
  binding: 'HTTP-Redirect' | 'HTTP-POST';
  url: string;
  /** Where LogoutResponses go, when not `url` (metadata ResponseLocation). */
  responseUrl: string | null;
}

export interface SamlAttributeRule {
  name: string;
  nameFormat: AttributeNameFormat;
  friendlyName: string | null;
  /** A SCIM User attribute path (`emails[primary eq true].value`) or an expression (`$groups`). */
  value: string;
}

export type DataEncryptionAlgorithm = 'aes256-gcm' | 'aes256-cbc';

export interface SamlAppSettings {
  entityId: string;
  assertionConsumerServices: AssertionConsumerService[];
  singleLogoutService: SingleLogoutService | null;
  /** PEM certificates the SP signs requests with (more than one during its own key rollover). */
  signingCertificates: string[];
  encryptionCertificate: string | null;
  wantAuthnRequestsSigned: boolean;
  /** `source`: `$pairwise` (persistent only: a stable id per SP and account), `$sub`, `$transient`, or a SCIM path. */
  nameId: { format: NameIdFormat; source: string };
  attributes: SamlAttributeRule[];
  assertionLifetimeSeconds: number;
  signResponse: boolean;
  signAssertion: boolean;
  /** Assertion encryption (key transport RSA-OAEP, the only one samlify's xml-encryption offers). */
  encryption: { algorithm: DataEncryptionAlgorithm } | null;
  idpInitiated: { enabled: boolean; defaultRelayState: string | null };
}
