// The upstream SAML 2.0 connector (Web Browser SSO profile, SP-initiated): an AuthnRequest out by HTTP-Redirect,
// the Response back by HTTP-POST to our ACS. samlify builds the request and checks schema, status, signature and
// time; saml-verify.ts adds the checks samlify leaves out and reads the identity from the signed assertion.
import { TtlCache } from '../cache/index.js';
import type { FederatedIdentity, IdentityProvider } from '../domain/index.js';
import { FederationError } from './errors.js';
import { verifySamlResponse, type VerifiedAssertion } from './saml-verify.js';
import { buildIdp, buildSp, createAuthnRequest, samlifyParseResponse, spMetadata, type IdpEntity, type SpEntity } from './samlify.js';

/** Allowed difference between our clock and the IdP's, for NotBefore / NotOnOrAfter. */
export const SAML_CLOCK_SKEW_MS = 60_000;
/** Largest SAMLResponse we read (base64). */
export const MAX_SAML_RESPONSE_BYTES = 512 * 1024;

export interface SpEndpoints {
  entityId: string;
  acsUrl: string;
  metadataUrl: string;
}

export function spEndpoints(publicUrl: string, idpId: string): SpEndpoints {
  const base = `${publicUrl}/federation/${idpId}/saml`;
  return { entityId: `${base}/metadata`, acsUrl: `${base}/acs`, metadataUrl: `${base}/metadata` };
}

type Entities = { sp: SpEntity; upstream: IdpEntity; endpoints: SpEndpoints };
/**
 * Built entities per IdP, rebuilt when its SAML settings change (building parses certificates and metadata).
 * Process-wide: keyed by the settings themselves, so never an old version; the TTL only frees memory.
 */
const built = new TtlCache<{ key: string; entities: Entities }>({ name: 'saml-entities', ttlMs: 60 * 60 * 1000, maxEntries: 500 });

function entities(idp: IdentityProvider, publicUrl: string): Entities {
  const settings = idp.saml!;
  const key = JSON.stringify([
    publicUrl,
    settings.entityId,
    settings.ssoUrl,
    settings.signingCertificates,
    settings.wantAssertionsSigned,
    settings.nameIdFormat,
  ]);
  const cached = built.get(idp.id);
  if (cached?.key === key) return cached.entities;
  const endpoints = spEndpoints(publicUrl, idp.id);
  const sp = buildSp({
    entityId: endpoints.entityId,
    acsUrl: endpoints.acsUrl,
    wantAssertionsSigned: settings.wantAssertionsSigned,
    nameIdFormat: settings.nameIdFormat,
    clockDriftMs: SAML_CLOCK_SKEW_MS,
  });
  const upstream = buildIdp({ entityId: settings.entityId, ssoUrl: settings.ssoUrl, signingCertificates: settings.signingCertificates });
  built.set(idp.id, { key, entities: { sp, upstream, endpoints } });
  return { sp, upstream, endpoints };
}

export function samlSpMetadata(idp: IdentityProvider, publicUrl: string): string {
  return spMetadata(entities(idp, publicUrl).sp);
}

export function startSamlLogin(idp: IdentityProvider, publicUrl: string, relayState: string): { requestId: string; redirectUrl: string } {
  const { sp, upstream } = entities(idp, publicUrl);
  const request = createAuthnRequest(sp, upstream, relayState);
  return { requestId: request.id, redirectUrl: request.url };
}

/** samlify's error strings → our stable codes. */
function classify(error: unknown): FederationError {
  if (error instanceof FederationError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = /SIGNATURE|CERTIFICATE/.test(message)
    ? 'saml_bad_signature'
    : /WRAPPING/.test(message)
      ? 'saml_wrapping_suspected'
      : /ISSUER/.test(message)
        ? 'saml_wrong_issuer'
        : /SUBJECT_UNCONFIRMED|EXPIRED/.test(message)
          ? 'saml_expired'
          : /FAILED_STATUS/.test(message)
            ? 'saml_status_not_success'
            : 'saml_malformed';
  return new FederationError(code, 'The SAML response was refused', { cause: error });
}

const AMR_BY_CLASS: Record<string, string[]> = {
  'urn:oasis:names:tc:SAML:2.0:ac:classes:Password': ['pwd'],
  'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport': ['pwd'],
  'urn:oasis:names:tc:SAML:2.0:ac:classes:X509': ['x509'],
  'urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard': ['sc'],
  'urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI': ['sc', 'mfa'],
  'urn:oasis:names:tc:SAML:2.0:ac:classes:Kerberos': ['kba'],
  'http://schemas.microsoft.com/claims/multipleauthn': ['mfa'],
};

const TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';

/** The stable subject: the configured attribute, else the NameID unless it is transient (a new one each login). */
function subjectOf(idp: IdentityProvider, assertion: VerifiedAssertion): string {
  const attribute = idp.saml!.subjectAttribute;
  if (attribute) {
    const value = assertion.attributes[attribute];
    if (typeof value !== 'string' || value === '') {
      throw new FederationError(
        'saml_no_subject',
        `The assertion carries no single value of ${attribute}, the configured subject attribute`,
      );
    }
    return value;
  }
  if (assertion.nameIdFormat === TRANSIENT) {
    throw new FederationError('saml_transient_subject', 'The IdP sent a transient NameID; configure saml.subjectAttribute for this IdP');
  }
  return assertion.nameId;
}

export interface SamlLogin {
  identity: FederatedIdentity;
  assertion: VerifiedAssertion;
}

/** Verifies the POSTed SAMLResponse against the flow's request; returns the identity and the assertion (for replay). */
export async function finishSamlLogin(
  idp: IdentityProvider,
  publicUrl: string,
  samlResponse: string,
  requestId: string,
): Promise<SamlLogin> {
  if (samlResponse.length > MAX_SAML_RESPONSE_BYTES) throw new FederationError('saml_malformed', 'The SAML response is too large');
  const { sp, upstream, endpoints } = entities(idp, publicUrl);
  const xml = Buffer.from(samlResponse, 'base64').toString('utf8');
  let assertion: VerifiedAssertion;
  try {
    // Ours first (clear codes, and the structural checks before any XML signature work), then samlify's.
    assertion = verifySamlResponse(xml, upstream, {
      idpEntityId: idp.saml!.entityId,
      spEntityId: endpoints.entityId,
      acsUrl: endpoints.acsUrl,
      requestId,
      wantAssertionsSigned: idp.saml!.wantAssertionsSigned,
      clockSkewMs: SAML_CLOCK_SKEW_MS,
    });
    await samlifyParseResponse(sp, upstream, samlResponse);
  } catch (error) {
    throw classify(error);
  }
  const subject = subjectOf(idp, assertion);
  const classRef = assertion.authnContextClassRef;
  return {
    assertion,
    identity: {
      idpId: idp.id,
      subject,
      claims: {
        ...assertion.attributes,
        nameId: assertion.nameId,
        ...(assertion.nameIdFormat ? { nameIdFormat: assertion.nameIdFormat } : {}),
      },
      authnContext: {
        protocol: 'saml',
        amr: classRef ? (AMR_BY_CLASS[classRef] ?? []) : [],
        acr: classRef,
        authTime: assertion.authnInstant ? Math.floor(assertion.authnInstant.getTime() / 1000) : null,
        sessionId: assertion.sessionIndex,
      },
    },
  };
}
