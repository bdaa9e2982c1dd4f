// Reading an SP's metadata (SAML Metadata §2.4.4 SPSSODescriptor) into the settings of a SAML app: entity ID, ACS
// endpoints with index and isDefault, the SLO endpoint, signing and encryption certificates, whether it signs its
// requests, its NameID format. samlify's SPMetadata drops ACS indexes and ResponseLocation, so the document is read
// here with XPath (after the same DTD-free parse as every SAML message).
import {
  type AssertionConsumerService,
  type NameIdFormat,
  type SamlAppSettings,
  type SingleLogoutService,
  NAME_ID_FORMATS,
} from '../domain/index.js';
import { outboundRefusalOf } from '../net/index.js';
import { certificateBody, toPem } from './certificates.js';
import { refuse } from './errors.js';
import { BINDING_POST, BINDING_REDIRECT } from './samlify-idp.js';
import { attr, element, nodes, parseXml } from './xml.js';

export type ImportedSettings = Partial<SamlAppSettings> & { ignoredAcs: string[] };

/** Everything the metadata says; ACS endpoints of other bindings (Artifact, PAOS) are listed in `ignoredAcs`. */
export function readSpMetadata(xml: string): ImportedSettings {
  const doc = parseXml(xml, 'metadata document');
  const root = doc.documentElement;
  const descriptor =
    root.localName === 'EntityDescriptor'
      ? element('./md:SPSSODescriptor', root)
      : root.localName === 'EntitiesDescriptor'
        ? undefined
        : undefined;
  if (root.localName !== 'EntityDescriptor' || !descriptor) {
    throw refuse('saml_metadata_invalid', 'The metadata is not one EntityDescriptor with an SPSSODescriptor');
  }
  const entityId = attr(root, 'entityID');
  if (!entityId) throw refuse('saml_metadata_invalid', 'The metadata has no entityID');
  const ignoredAcs: string[] = [];
  const acs: AssertionConsumerService[] = [];
  (nodes('./md:AssertionConsumerService', descriptor) as Element[]).forEach((el, position) => {
    const binding = attr(el, 'Binding');
    const url = attr(el, 'Location') ?? '';
    if (binding !== BINDING_POST) {
      ignoredAcs.push(`${url} (${binding ?? 'no binding'})`);
      return;
    }
    const index = Number(attr(el, 'index') ?? position);
    acs.push({ binding: 'HTTP-POST', url, index: Number.isInteger(index) ? index : position, isDefault: attr(el, 'isDefault') === 'true' });
  });
  const sloEl = (nodes('./md:SingleLogoutService', descriptor) as Element[]).find((el) =>
    [BINDING_REDIRECT, BINDING_POST].includes(attr(el, 'Binding') ?? ''),
  );
  const slo: SingleLogoutService | null = sloEl
    ? {
        binding: attr(sloEl, 'Binding') === BINDING_POST ? 'HTTP-POST' : 'HTTP-Redirect',
        url: attr(sloEl, 'Location') ?? '',
        responseUrl: attr(sloEl, 'ResponseLocation'),
      }
    : null;
  const certificates = (use: 'signing' | 'encryption') =>
    (nodes('./md:KeyDescriptor', descriptor) as Element[])
      .filter((kd) => (attr(kd, 'use') ?? use) === use)
      .flatMap((kd) => nodes('.//ds:X509Certificate', kd).map((c) => toPem(certificateBody(c.textContent ?? ''))));
  const formats = nodes('./md:NameIDFormat', descriptor).map((n) => n.textContent?.trim() ?? '');
  const format = (Object.entries(NAME_ID_FORMATS).find(([, urn]) => formats[0] === urn)?.[0] ?? undefined) as NameIdFormat | undefined;
  return {
    entityId,
    assertionConsumerServices: acs,
    singleLogoutService: slo,
    signingCertificates: certificates('signing'),
    encryptionCertificate: certificates('encryption')[0] ?? null,
    wantAuthnRequestsSigned: attr(descriptor, 'AuthnRequestsSigned') === 'true',
    ...(attr(descriptor, 'WantAssertionsSigned') === 'true' ? { signAssertion: true } : {}),
    ...(format
      ? {
          nameId: {
            format,
            source:
              format === 'persistent'
                ? '$pairwise'
                : format === 'emailAddress'
                  ? '$primaryEmail'
                  : format === 'transient'
                    ? '$transient'
                    : 'userName',
          },
        }
      : {}),
    ignoredAcs,
  };
}

/** Largest metadata document fetched. */
const MAX_METADATA_BYTES = 1024 * 1024;
const FETCH_TIMEOUT_MS = 10_000;

/**
 * The one way SP metadata is fetched from a URL, through `guardedFetch`: the outbound network's fetch (src/net), which
 * refuses loopback, private and metadata addresses and plain http unless OUTBOUND_ALLOWED_NETWORKS allows them. Only
 * http(s), no redirects, capped time and size; the remote body is never echoed. Admins alone can call it.
 */
export async function fetchSpMetadata(url: string, guardedFetch: typeof fetch): Promise<string> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refuse('saml_metadata_unreachable', 'The metadata URL is not a URL');
  }
  if (!['https:', 'http:'].includes(parsed.protocol)) throw refuse('saml_metadata_unreachable', 'The metadata URL must be http(s)');
  let response: Response;
  try {
    response = await guardedFetch(parsed, {
      redirect: 'error',
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' },
    });
  } catch (error) {
    const refusal = outboundRefusalOf(error);
    if (refusal) throw refuse('saml_metadata_unreachable', `The metadata URL is refused: ${refusal.message}`);
    const reason = (error as Error).name === 'TimeoutError' ? 'no answer in time' : 'connection failed';
    throw refuse('saml_metadata_unreachable', `The metadata could not be fetched (${reason})`);
  }
  if (!response.ok) throw refuse('saml_metadata_unreachable', `The metadata URL answered ${response.status}`);
  const length = Number(response.headers.get('content-length') ?? 0);
  if (length > MAX_METADATA_BYTES) throw refuse('saml_metadata_unreachable', 'The metadata document is too large');
  return readBounded(response);
}

/** The body as text, read no further than MAX_METADATA_BYTES (a server may send more than its content-length, or none). */
async function readBounded(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await reader.read();
    } catch (error) {
      const reason = (error as Error).name === 'TimeoutError' ? 'no answer in time' : 'connection failed';
      throw refuse('saml_metadata_unreachable', `The metadata could not be fetched (${reason})`);
    }
    const { done, value } = next;
    if (done) break;
    total += value.byteLength;
    if (total > MAX_METADATA_BYTES) {
      await reader.cancel();
      throw refuse('saml_metadata_unreachable', 'The metadata document is too large');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
