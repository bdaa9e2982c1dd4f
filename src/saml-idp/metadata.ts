// The IdP metadata document (SAML Metadata §2.4.3): entity ID, every published signing certificate (current,
// next, and previous ones in their overlap window), the SSO and SLO endpoints for both bindings, and the NameID
// formats. Signed on request with the current key (samlify's signer), with an ID and a validUntil to sign over.
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { NAME_ID_FORMATS } from '../domain/index.js';
import { publishedCertificates, type SamlIdpKeys } from './keys.js';
import { newSamlId, samlifyIdpMetadata, samlifySignRoot, type IdpEndpoints } from './samlify-idp.js';

/** How long a signed metadata document says it may be used. */
const SIGNED_VALIDITY_MS = 7 * 24 * 3600_000;

export function idpMetadataXml(endpoints: IdpEndpoints, keys: SamlIdpKeys, signed: boolean): string {
  const xml = samlifyIdpMetadata({
    endpoints,
    certificates: publishedCertificates(keys),
    nameIdFormats: Object.values(NAME_ID_FORMATS),
  });
  if (!signed) return xml;
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const root = doc.documentElement!;
  root.setAttribute('ID', newSamlId());
  root.setAttribute('validUntil', new Date(Date.now() + SIGNED_VALIDITY_MS).toISOString());
  return samlifySignRoot(new XMLSerializer().serializeToString(doc), keys.current);
}
