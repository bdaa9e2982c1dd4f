// An incoming AuthnRequest (SAML Core §3.4, Profiles §4.1.4.1), checked step by step before anything is issued:
// decode → find the SP by Issuer → signature policy and algorithm → samlify's schema and signature check →
// wrapping → version, IssueInstant, Destination → the ACS from the SP's registered list → NameIDPolicy, ForceAuthn,
// IsPassive, RequestedAuthnContext → one answer per request ID (replay). Until the ACS is known, every refusal is
// an error page: an unknown SP or an unregistered ACS is never redirected to.
import { type AssertionConsumerService, type NameIdFormat, NAME_ID_FORMATS } from '../domain/index.js';
import { findSamlApplicationByEntityId, type SamlApplication } from '../store/index.js';
import type { Store } from '../store/index.js';
import { checkEnvelopedSignature, issuerOf, rootName, type DecodedMessage } from './binding.js';
import { CLOCK_SKEW_MS, MAX_REQUEST_AGE_MS, type idpEndpoints } from './endpoints.js';
import { fromSamlify, refuse, SamlIdpError } from './errors.js';
import type { SamlIdpKeys } from './keys.js';
import { buildIdpEntity, buildSpEntity, samlifyParseLoginRequest, type IncomingMessage } from './samlify-idp.js';
import { attr, element, nodes, xsBoolean } from './xml.js';

export interface RequestedAuthnContext {
  comparison: 'exact' | 'minimum' | 'maximum' | 'better';
  classRefs: string[];
}

/** What the login must honour, and what the answer needs: kept in the store under an opaque handle. */
export interface AuthnRequestState {
  applicationId: string;
  /** The AuthnRequest ID (InResponseTo); null for IdP-initiated SSO. */
  requestId: string | null;
  acsUrl: string;
  relayState: string | null;
  forceAuthn: boolean;
  isPassive: boolean;
  requestedAuthnContext: RequestedAuthnContext | null;
  nameIdFormat: NameIdFormat;
  /** Set when the request cannot be honoured whatever the login does: the SAML status to answer the ACS with. */
  refusal?: { status: string; message: string } | null;
}

export interface CheckedAuthnRequest {
  application: SamlApplication;
  state: AuthnRequestState;
  /** The request's expiry for the replay record (IssueInstant + max age + skew). */
  replayUntil: Date;
}

const STATUS = {
  requester: 'urn:oasis:names:tc:SAML:2.0:status:Requester',
  invalidNameIdPolicy: 'urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy',
};

/** Step: the SP, by the request's Issuer. Unknown → an error page. */
async function findServiceProvider(store: Store, message: DecodedMessage): Promise<SamlApplication> {
  if (rootName(message.doc) !== 'AuthnRequest') throw refuse('saml_malformed_message', 'The SAML message is not an AuthnRequest');
  const issuer = issuerOf(message.doc);
  if (!issuer) throw refuse('saml_malformed_message', 'The AuthnRequest names no Issuer');
  const application = await findSamlApplicationByEntityId(store.db, issuer);
  if (!application) throw refuse('saml_unknown_sp', 'The service provider that sent this request is not registered', 404);
  return application;
}

/**
 * Step: the signature. An SP set to sign must sign; a signature that is present is verified whenever the SP's
 * certificate is known. samlify checks schema and signature (one certificate at a time: during an SP's own key
 * rollover two are registered).
 */
async function verifyWithSamlify(
  application: SamlApplication,
  message: DecodedMessage,
  keys: SamlIdpKeys,
  endpoints: ReturnType<typeof idpEndpoints>,
): Promise<void> {
  const { saml } = application;
  if (saml.wantAuthnRequestsSigned && !message.signed)
    throw refuse('saml_unsigned_request', 'This service provider must sign its AuthnRequests');
  const verify = message.signed && saml.signingCertificates.length > 0;
  if (verify && message.samlify.binding === 'post') checkEnvelopedSignature(message.doc);
  const certificates: (string | null)[] = verify ? saml.signingCertificates : [null];
  let failure: unknown;
  for (const certificate of certificates) {
    const idp = buildIdpEntity({ endpoints, signing: keys.current, nameIdFormats: [], checkSignatures: verify });
    const sp = buildSpEntity({ entityId: saml.entityId, signingCertificate: certificate });
    try {
      await samlifyParseLoginRequest(idp, sp, message.samlify as IncomingMessage);
      return;
    } catch (error) {
      failure = error;
    }
  }
  throw fromSamlify(failure);
}

function checkEnvelope(doc: Document, ssoUrl: string, signed: boolean, now: number): { id: string; issuedAt: number } {
  const root = doc.documentElement;
  if (attr(root, 'Version') !== '2.0') throw refuse('saml_version_mismatch', 'Only SAML 2.0 requests are accepted');
  const id = attr(root, 'ID');
  if (!id) throw refuse('saml_malformed_message', 'The AuthnRequest has no ID');
  const issuedAt = Date.parse(attr(root, 'IssueInstant') ?? '');
  if (Number.isNaN(issuedAt)) throw refuse('saml_malformed_message', 'The AuthnRequest has no valid IssueInstant');
  if (issuedAt > now + CLOCK_SKEW_MS)
    throw refuse('saml_request_not_yet_valid', 'The AuthnRequest was issued in the future (check the clocks)');
  if (issuedAt < now - MAX_REQUEST_AGE_MS - CLOCK_SKEW_MS) throw refuse('saml_request_expired', 'The AuthnRequest is too old');
  // Bindings §3.4.5.2 / §3.5.5.2: a signed request must name its Destination, and it must be us.
  const destination = attr(root, 'Destination');
  if ((signed || destination !== null) && destination !== ssoUrl)
    throw refuse('saml_wrong_destination', 'The AuthnRequest is addressed to another endpoint');
  return { id, issuedAt };
}

/** Step: the ACS, only ever one registered for this SP (by URL or by index; the two are mutually exclusive, Core §3.4.1). */
export function chooseAcs(
  services: AssertionConsumerService[],
  request: { url: string | null; index: string | null; binding: string | null },
): AssertionConsumerService {
  if (request.url !== null && request.index !== null)
    throw refuse('saml_acs_ambiguous', 'The AuthnRequest names both an ACS URL and an ACS index');
  if (request.binding !== null && request.binding !== 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST') {
    throw refuse('saml_unsupported_binding', 'Responses are sent with the HTTP-POST binding only');
  }
  if (request.url !== null) {
    const found = services.find((s) => s.url === request.url);
    if (!found)
      throw refuse(
        'saml_unregistered_acs',
        'The AuthnRequest asks for an Assertion Consumer Service URL that is not registered for this service provider',
      );
    return found;
  }
  if (request.index !== null) {
    const found = services.find((s) => String(s.index) === request.index);
    if (!found)
      throw refuse(
        'saml_unregistered_acs',
        'The AuthnRequest asks for an Assertion Consumer Service index that is not registered for this service provider',
      );
    return found;
  }
  return defaultAcs(services);
}

export const defaultAcs = (services: AssertionConsumerService[]) =>
  services.find((s) => s.isDefault) ?? [...services].sort((a, b) => a.index - b.index)[0]!;

const FORMAT_BY_URN = new Map(Object.entries(NAME_ID_FORMATS).map(([key, urn]) => [urn as string, key as NameIdFormat]));

function readOptions(
  doc: Document,
): Pick<AuthnRequestState, 'forceAuthn' | 'isPassive' | 'requestedAuthnContext'> & { nameIdPolicyFormat: string | null } {
  const root = doc.documentElement;
  const requested = element('/samlp:AuthnRequest/samlp:RequestedAuthnContext', doc);
  const classRefs = requested
    ? nodes('./saml:AuthnContextClassRef', requested)
        .map((n) => n.textContent?.trim() ?? '')
        .filter(Boolean)
    : [];
  const comparison = (attr(requested, 'Comparison') ?? 'exact') as RequestedAuthnContext['comparison'];
  return {
    forceAuthn: xsBoolean(attr(root, 'ForceAuthn')),
    isPassive: xsBoolean(attr(root, 'IsPassive')),
    requestedAuthnContext: classRefs.length > 0 ? { comparison, classRefs } : null,
    nameIdPolicyFormat: attr(element('/samlp:AuthnRequest/samlp:NameIDPolicy', doc), 'Format'),
  };
}

/** Runs every check; returns the SP and the state the login carries. Throws SamlIdpError (an error page). */
export async function checkAuthnRequest(
  deps: { store: Store; keys: SamlIdpKeys; endpoints: ReturnType<typeof idpEndpoints> },
  message: DecodedMessage,
  now = Date.now(),
): Promise<CheckedAuthnRequest> {
  const application = await findServiceProvider(deps.store, message);
  await verifyWithSamlify(application, message, deps.keys, deps.endpoints);
  const { id, issuedAt } = checkEnvelope(message.doc, deps.endpoints.ssoUrl, message.signed, now);
  const root = message.doc.documentElement;
  const acs = chooseAcs(application.saml.assertionConsumerServices, {
    url: attr(root, 'AssertionConsumerServiceURL'),
    index: attr(root, 'AssertionConsumerServiceIndex'),
    binding: attr(root, 'ProtocolBinding'),
  });
  const options = readOptions(message.doc);
  const configured = application.saml.nameId.format;
  // NameIDPolicy (Core §3.4.1.1): unspecified or absent leaves the choice to us; another format must be ours.
  const asked = options.nameIdPolicyFormat;
  let refusal: AuthnRequestState['refusal'] = null;
  if (asked !== null && asked !== NAME_ID_FORMATS.unspecified && FORMAT_BY_URN.get(asked) !== configured) {
    refusal = { status: STATUS.invalidNameIdPolicy, message: `NameID format ${asked} is not offered to this service provider` };
  }
  return {
    application,
    replayUntil: new Date(issuedAt + MAX_REQUEST_AGE_MS + 2 * CLOCK_SKEW_MS),
    state: {
      applicationId: application.id,
      requestId: id,
      acsUrl: acs.url,
      relayState: message.relayState,
      forceAuthn: options.forceAuthn,
      isPassive: options.isPassive,
      requestedAuthnContext: options.requestedAuthnContext,
      nameIdFormat: configured,
      refusal,
    },
  };
}

export { SamlIdpError };
