// Reads an upstream SAML IdP's metadata XML (SAML 2.0 Metadata §2.4.3, IDPSSODescriptor) into the settings
// we keep: entity id, the SSO URL of the HTTP-Redirect binding, and the signing certificates.
import { invalidInput } from '../domain/index.js';
import { loadIdpMetadata } from './samlify.js';

export interface ParsedIdpMetadata {
  entityId: string;
  ssoUrl: string;
  signingCertificates: string[];
  nameIdFormat?: string;
}

const fail = (message: string) => invalidInput('invalid_saml_metadata', message, [{ field: 'saml.metadata', message }]);

/** Wraps a bare base64 certificate (as metadata carries it) into PEM. */
export function toPem(certificate: string): string {
  const trimmed = certificate.trim();
  if (trimmed.startsWith('-----BEGIN CERTIFICATE-----')) return trimmed;
  const body = trimmed.replace(/\s+/g, '');
  return `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END CERTIFICATE-----`;
}

export function parseIdpMetadata(xml: string): ParsedIdpMetadata {
  let meta: ReturnType<typeof loadIdpMetadata>;
  try {
    meta = loadIdpMetadata(xml);
  } catch (error) {
    throw fail(`the metadata is not readable IdP metadata (${error instanceof Error ? error.message : 'parse error'})`);
  }
  const entityId = meta.getEntityID();
  if (!entityId) throw fail('the metadata has no entityID');
  const sso = meta.getSingleSignOnService('redirect');
  if (typeof sso !== 'string' || !sso) throw fail('the metadata has no SingleSignOnService with the HTTP-Redirect binding');
  const certificates = meta.getX509Certificate('signing');
  const list = (Array.isArray(certificates) ? certificates : certificates ? [certificates] : []).filter(Boolean);
  if (list.length === 0) throw fail('the metadata has no signing certificate (KeyDescriptor use="signing")');
  const formats = meta.getNameIDFormat();
  const nameIdFormat = Array.isArray(formats) ? formats[0] : typeof formats === 'string' ? formats : undefined;
  return { entityId, ssoUrl: sso, signingCertificates: list.map(toPem), ...(nameIdFormat ? { nameIdFormat } : {}) };
}
