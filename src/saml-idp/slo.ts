// Single Logout (SAML Profiles §4.4) over the front channel. An SP's LogoutRequest ends that SP's sessions and,
// through the jitbridge sign-in session they share, every other SP's: each SP with an SLO endpoint gets our
// LogoutRequest in turn (the browser carries the chain, its state is in the store), and the SP that started gets
// our LogoutResponse at the end — PartialLogout if any SP did not confirm. `startLogout` is the IdP-initiated
// sender (jitbridge's own logout calls it). Front-channel logout messages must be signed (§4.4.4.1): an SP without
// a registered signing certificate cannot use SLO.
import { type SamlAppSettings } from '../domain/index.js';
import {
  findSamlApplicationById,
  findSamlApplicationByEntityId,
  type SamlApplication,
  consumeSamlIdpMessage,
  recordSamlIdpMessage,
  endSamlIdpSessions,
  findSamlIdpSessions,
  findSamlIdpSessionByIndex,
  findSiblingSamlIdpSessions,
  type SamlIdpSession,
} from '../store/index.js';
import type { Store } from '../store/index.js';
import { checkEnvelopedSignature, issuerOf, rootName, type DecodedMessage } from './binding.js';
import { CLOCK_SKEW_MS, idpEndpoints, MAX_REQUEST_AGE_MS, SIGN_IN_WINDOW_MS } from './endpoints.js';
import { fromSamlify, refuse } from './errors.js';
import { loadSamlIdpKeys, type SamlIdpKeys } from './keys.js';
import { postFormPage } from './pages.js';
import { STATUS } from './response.js';
import {
  buildIdpEntity,
  buildSpEntity,
  newSamlId,
  samlifyLogoutRequest,
  samlifyLogoutResponse,
  samlifyParseLogoutRequest,
  samlifyParseLogoutResponse,
  type OutgoingMessage,
} from './samlify-idp.js';
import { attr, element, nodes } from './xml.js';
import { signedOutPage } from './signed-out-page.js';

/** Someone to answer at the end: the SP whose LogoutRequest started the chain. */
interface Origin {
  applicationId: string;
  requestId: string;
  relayState: string | null;
}

interface ChainState {
  /** Session indexes still to log out at their SPs, in order. */
  remaining: string[];
  origin: Origin | null;
  /** Where the browser goes when an IdP-initiated logout is done (a local path). */
  returnTo: string | null;
  partial: boolean;
  relayState: string | null;
}

export interface SamlSlo {
  receive(message: DecodedMessage): Promise<Response>;
  /** IdP-initiated: ends every SP session of a sign-in session and sends each SP a LogoutRequest in turn. */
  startLogout(loginSessionId: string, returnTo: string | null): Promise<Response>;
}

const html = (body: string) =>
  new Response(body, { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } });

async function deliver(message: OutgoingMessage, action: string, field: 'SAMLRequest' | 'SAMLResponse', relayState: string | null) {
  if (message.binding === 'redirect')
    return new Response(null, { status: 302, headers: { location: message.context, 'cache-control': 'no-store' } });
  return html(await postFormPage({ action, field, value: message.context, relayState }));
}

const sloOf = (settings: SamlAppSettings) => settings.singleLogoutService;
const binding = (settings: SamlAppSettings) => (sloOf(settings)!.binding === 'HTTP-POST' ? 'post' : 'redirect') as 'post' | 'redirect';

export interface SamlSloDeps {
  store: Store;
  publicUrl: string;
  /** Ends the jitbridge sign-in session (the OpenID Provider's session) that an SP's LogoutRequest ends too. */
  endLoginSession?: ((loginSessionId: string) => Promise<void>) | undefined;
}

export function createSamlSlo(deps: SamlSloDeps): SamlSlo {
  const endpoints = idpEndpoints(deps.publicUrl);

  /** samlify verifies the message's signature with each registered certificate of the SP in turn. */
  async function verify(application: SamlApplication, message: DecodedMessage, keys: SamlIdpKeys, kind: 'request' | 'response') {
    const { saml } = application;
    if (!sloOf(saml) || saml.signingCertificates.length === 0) {
      throw refuse(
        'saml_slo_not_configured',
        'Single Logout is not set up for this service provider (an SLO endpoint and its signing certificate are needed)',
        403,
      );
    }
    if (!message.signed) throw refuse('saml_unsigned_request', 'Logout messages must be signed');
    if (message.samlify.binding === 'post') checkEnvelopedSignature(message.doc);
    let failure: unknown;
    for (const certificate of saml.signingCertificates) {
      const idp = buildIdpEntity({ endpoints, signing: keys.current, nameIdFormats: [], checkSignatures: true });
      const sp = buildSpEntity({ entityId: saml.entityId, signingCertificate: certificate });
      try {
        if (kind === 'request') await samlifyParseLogoutRequest(idp, sp, message.samlify);
        else await samlifyParseLogoutResponse(idp, sp, message.samlify);
        return;
      } catch (error) {
        failure = error;
      }
    }
    throw fromSamlify(failure);
  }

  function checkEnvelope(doc: Document, now = Date.now()) {
    const root = doc.documentElement;
    if (attr(root, 'Version') !== '2.0') throw refuse('saml_version_mismatch', 'Only SAML 2.0 messages are accepted');
    const id = attr(root, 'ID');
    if (!id) throw refuse('saml_malformed_message', 'The logout message has no ID');
    const issuedAt = Date.parse(attr(root, 'IssueInstant') ?? '');
    if (Number.isNaN(issuedAt) || issuedAt > now + CLOCK_SKEW_MS || issuedAt < now - MAX_REQUEST_AGE_MS - CLOCK_SKEW_MS) {
      throw refuse('saml_request_expired', 'The logout message is outside its validity window');
    }
    if (attr(root, 'Destination') !== endpoints.sloUrl)
      throw refuse('saml_wrong_destination', 'The logout message is addressed to another endpoint');
    return { id, issuedAt };
  }

  async function findApp(doc: Document): Promise<SamlApplication> {
    const issuer = issuerOf(doc);
    const application = issuer ? await findSamlApplicationByEntityId(deps.store.db, issuer) : undefined;
    if (!application) throw refuse('saml_unknown_sp', 'The service provider that sent this logout message is not registered', 404);
    return application;
  }

  /** The next SP of the chain with an SLO endpoint gets our LogoutRequest; when none is left, the chain ends. */
  async function continueChain(chain: ChainState, keys: SamlIdpKeys): Promise<Response> {
    while (chain.remaining.length > 0) {
      const sessionIndex = chain.remaining.shift()!;
      const target = await sessionTarget(sessionIndex);
      if (!target) continue;
      const { application, row } = target;
      const slo = sloOf(application.saml)!;
      const idp = buildIdpEntity({ endpoints, signing: keys.current, nameIdFormats: [row.nameIdFormat] });
      const sp = buildSpEntity({ entityId: application.saml.entityId, slo: { binding: slo.binding, url: slo.url } });
      const handle = newSamlId();
      const outgoing = samlifyLogoutRequest(
        idp,
        sp,
        binding(application.saml),
        { nameId: row.nameId, sessionIndex: row.sessionIndex },
        handle,
      );
      await recordSamlIdpMessage(deps.store.db, {
        id: handle,
        kind: 'logout-out',
        applicationId: application.id,
        messageId: outgoing.id,
        state: chain as unknown as Record<string, unknown>,
        expiresAt: new Date(Date.now() + SIGN_IN_WINDOW_MS),
      });
      return deliver(outgoing, slo.url, 'SAMLRequest', handle);
    }
    return finishChain(chain, keys);
  }

  /** The session and its SP, when that SP (still) has an SLO endpoint. */
  async function sessionTarget(sessionIndex: string) {
    const row = await findSamlIdpSessionByIndex(deps.store.db, sessionIndex);
    const application = row ? await findSamlApplicationById(deps.store.db, row.applicationId) : undefined;
    return row && application && sloOf(application.saml) ? { row, application } : undefined;
  }

  async function finishChain(chain: ChainState, keys: SamlIdpKeys): Promise<Response> {
    if (!chain.origin) {
      if (chain.returnTo) return new Response(null, { status: 303, headers: { location: chain.returnTo } });
      return html(await signedOutPage(chain.partial));
    }
    const application = await findSamlApplicationById(deps.store.db, chain.origin.applicationId);
    if (!application || !sloOf(application.saml)) return html(await signedOutPage(true));
    const slo = sloOf(application.saml)!;
    const destination = slo.responseUrl ?? slo.url;
    const idp = buildIdpEntity({ endpoints, signing: keys.current, nameIdFormats: [] });
    const sp = buildSpEntity({ entityId: application.saml.entityId, slo: { binding: slo.binding, url: destination } });
    const outgoing = samlifyLogoutResponse(
      idp,
      sp,
      binding(application.saml),
      { inResponseTo: chain.origin.requestId, destination, statusCode: chain.partial ? STATUS.partialLogout : STATUS.success },
      chain.origin.relayState ?? '',
    );
    return deliver(outgoing, destination, 'SAMLResponse', chain.origin.relayState);
  }

  /**
   * Ends the sessions and lists the SP sessions of the same sign-in sessions that must hear of it (other SPs'; for
   * an IdP-initiated logout, every one). Read before anything ends: only live sessions are siblings.
   */
  async function endAndCollect(sessions: SamlIdpSession[], exceptApplicationId: string | null): Promise<string[]> {
    const loginSessions = [...new Set(sessions.map((s) => s.loginSessionId).filter((s): s is string => s !== null))];
    const siblings = new Map<string, SamlIdpSession>();
    for (const loginSessionId of loginSessions) {
      for (const sibling of await findSiblingSamlIdpSessions(deps.store.db, loginSessionId, exceptApplicationId))
        siblings.set(sibling.sessionIndex, sibling);
    }
    await endSamlIdpSessions(deps.store.db, [...new Set([...sessions.map((s) => s.sessionIndex), ...siblings.keys()])]);
    // An SP's logout ends the person's jitbridge session too: the next SP they visit must ask them to sign in again.
    if (deps.endLoginSession) for (const loginSessionId of loginSessions) await deps.endLoginSession(loginSessionId);
    return [...siblings.keys()];
  }

  async function receiveRequest(message: DecodedMessage, keys: SamlIdpKeys): Promise<Response> {
    const application = await findApp(message.doc);
    await verify(application, message, keys, 'request');
    const { id, issuedAt } = checkEnvelope(message.doc);
    const fresh = await recordSamlIdpMessage(deps.store.db, {
      id: newSamlId(),
      kind: 'logout-in',
      applicationId: application.id,
      messageId: id,
      state: {},
      expiresAt: new Date(issuedAt + MAX_REQUEST_AGE_MS + 2 * CLOCK_SKEW_MS),
    });
    if (!fresh) throw refuse('saml_request_replayed', 'This logout request was already received');
    const nameId = element('/samlp:LogoutRequest/saml:NameID', message.doc)?.textContent?.trim();
    if (!nameId) throw refuse('saml_malformed_message', 'The LogoutRequest names no NameID (encrypted NameIDs are not supported)');
    const indexes = nodes('/samlp:LogoutRequest/samlp:SessionIndex', message.doc).map((n) => n.textContent?.trim() ?? '');
    const sessions = await findSamlIdpSessions(deps.store.db, application.id, nameId, indexes);
    const remaining = await endAndCollect(sessions, application.id);
    return continueChain(
      {
        remaining,
        origin: { applicationId: application.id, requestId: id, relayState: message.relayState },
        returnTo: null,
        partial: false,
        relayState: null,
      },
      keys,
    );
  }

  async function receiveResponse(message: DecodedMessage, keys: SamlIdpKeys): Promise<Response> {
    const application = await findApp(message.doc);
    const statusCode = attr(element('/samlp:LogoutResponse/samlp:Status/samlp:StatusCode', message.doc), 'Value');
    const success = statusCode === STATUS.success;
    // samlify refuses a non-success status before it looks at the signature; a failure only makes the logout partial.
    if (success) await verify(application, message, keys, 'response');
    const inResponseTo = attr(message.doc.documentElement, 'InResponseTo');
    const pending = inResponseTo
      ? await consumeSamlIdpMessage(deps.store.db, 'logout-out', { applicationId: application.id, messageId: inResponseTo })
      : undefined;
    if (!pending) throw refuse('saml_logout_unknown', 'This logout response answers no logout request of ours, or was already received');
    const chain = pending.state as unknown as ChainState;
    if (!success) chain.partial = true;
    return continueChain(chain, keys);
  }

  return {
    async receive(message) {
      const keys = await loadSamlIdpKeys(deps.store);
      const name = rootName(message.doc);
      if (message.param === 'SAMLRequest' && name === 'LogoutRequest') return receiveRequest(message, keys);
      if (message.param === 'SAMLResponse' && name === 'LogoutResponse') return receiveResponse(message, keys);
      throw refuse('saml_malformed_message', 'The SLO endpoint takes LogoutRequests and LogoutResponses');
    },

    async startLogout(loginSessionId, returnTo) {
      const keys = await loadSamlIdpKeys(deps.store);
      const sessions = await findSiblingSamlIdpSessions(deps.store.db, loginSessionId, null);
      const remaining = await endAndCollect(sessions, null);
      return continueChain({ remaining, origin: null, returnTo, partial: false, relayState: null }, keys);
    },
  };
}
