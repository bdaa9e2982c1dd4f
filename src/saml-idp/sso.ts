// SSO as a pipeline: a checked AuthnRequest (or an IdP-initiated start) is stored under an opaque handle and
// handed to the login; the login hands back the person, and `finish` answers the ACS exactly once.
//
// The contract with the login (src/login/, which owns choosing the IdP, upstream, JIT, prompts, consent, MFA):
// - `SamlLoginStarter.start(request)` begins a sign-in for the SAML app and answers the browser;
// - when it is done, the login calls `finish(handle, result)` and sends the browser what it returns (the
//   auto-submitting form to the ACS); when it cannot sign the person in, `fail(handle, status, message)`.
import type { Context } from 'hono';
import { type AppEnv } from '../http/index.js';
import {
  findSamlApplicationById,
  type SamlApplication,
  consumeSamlIdpMessage,
  recordSamlIdpMessage,
  insertSamlIdpSession,
} from '../store/index.js';
import type { Store } from '../store/index.js';
import { attributesFor, authnContextClass, nameIdFor, type SignedInPerson } from './assertion-content.js';
import { defaultAcs, type AuthnRequestState, type CheckedAuthnRequest, type RequestedAuthnContext } from './authn-request.js';
import { idpEndpoints, SIGN_IN_WINDOW_MS, SP_SESSION_MS } from './endpoints.js';
import { refuse, SamlIdpError } from './errors.js';
import { loadSamlIdpKeys } from './keys.js';
import { postFormPage, samlErrorPage } from './pages.js';
import { buildLoginResponse, buildStatusResponse, STATUS } from './response.js';
import { newSamlId } from './samlify-idp.js';

/** What the login gets to start a sign-in for a SAML app. */
export interface SamlLoginRequest {
  /** Opaque; the login passes it back to `finish` / `fail`. */
  handle: string;
  application: SamlApplication;
  /** ForceAuthn (Core §3.4.1): the person must authenticate again, an existing session is not enough. */
  forceAuthn: boolean;
  /** IsPassive: no page may be shown; without a usable session the login calls `fail(handle, STATUS.noPassive)`. */
  isPassive: boolean;
  requestedAuthnContext: RequestedAuthnContext | null;
}

export interface SamlLoginStarter {
  start(c: Context<AppEnv>, request: SamlLoginRequest): Promise<Response>;
}

/** How the sign-in went, from the login. */
export interface SamlSignInResult extends SignedInPerson {
  /** When the person authenticated (an existing session: when it was authenticated). */
  authTime: Date;
  /** Whether a second factor was used (TOTP, email OTP, or an upstream that said MFA). */
  mfa: boolean;
  /** The jitbridge sign-in session this belongs to, so that logging out of one SP or of jitbridge ends the rest. */
  loginSessionId: string | null;
}

export interface SamlSso {
  /** Stores a checked request and hands it to the login (or answers at once when it cannot be honoured). */
  begin(c: Context<AppEnv>, checked: CheckedAuthnRequest): Promise<Response>;
  /** IdP-initiated SSO to an app that allows it. */
  beginIdpInitiated(c: Context<AppEnv>, application: SamlApplication, relayState: string | null): Promise<Response>;
  finish(handle: string, result: SamlSignInResult): Promise<Response>;
  fail(handle: string, status: string, message: string): Promise<Response>;
}

const html = (body: string, status = 200) =>
  new Response(body, { status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } });

export async function errorResponse(error: SamlIdpError): Promise<Response> {
  const title = error.status === 501 ? 'SAML sign-in is not available' : 'This sign-in request was refused';
  return html(await samlErrorPage(title, error.message, error.code), error.status);
}

export function createSamlSso(deps: { store: Store; publicUrl: string; starter: SamlLoginStarter }): SamlSso {
  const endpoints = idpEndpoints(deps.publicUrl);

  async function postTo(state: AuthnRequestState, samlResponse: string): Promise<Response> {
    return html(await postFormPage({ action: state.acsUrl, field: 'SAMLResponse', value: samlResponse, relayState: state.relayState }));
  }

  async function answerStatus(state: AuthnRequestState, status: string, message: string): Promise<Response> {
    const keys = await loadSamlIdpKeys(deps.store);
    return postTo(state, buildStatusResponse({ endpoints, keys, acsUrl: state.acsUrl, inResponseTo: state.requestId, status, message }));
  }

  async function take(handle: string): Promise<{ state: AuthnRequestState; application: SamlApplication }> {
    const message = await consumeSamlIdpMessage(deps.store.db, 'authn', { id: handle });
    if (!message) throw refuse('saml_request_unknown', 'This sign-in request is unknown, has expired or was already answered');
    const application = await findSamlApplicationById(deps.store.db, message.applicationId);
    if (!application) throw refuse('saml_unknown_sp', 'The service provider of this sign-in request is no longer registered', 404);
    return { state: message.state as unknown as AuthnRequestState, application };
  }

  async function store(application: SamlApplication, state: AuthnRequestState, replayUntil: Date): Promise<string> {
    const handle = newSamlId();
    const expiresAt = new Date(Math.max(replayUntil.getTime(), Date.now() + SIGN_IN_WINDOW_MS));
    const fresh = await recordSamlIdpMessage(deps.store.db, {
      id: handle,
      kind: 'authn',
      applicationId: application.id,
      messageId: state.requestId,
      state: state as unknown as Record<string, unknown>,
      expiresAt,
    });
    if (!fresh) throw refuse('saml_request_replayed', 'This sign-in request was already received; it is answered only once');
    return handle;
  }

  async function handOn(c: Context<AppEnv>, application: SamlApplication, state: AuthnRequestState, handle: string) {
    if (state.refusal) {
      await consumeSamlIdpMessage(deps.store.db, 'authn', { id: handle });
      return answerStatus(state, state.refusal.status, state.refusal.message);
    }
    return deps.starter.start(c, {
      handle,
      application,
      forceAuthn: state.forceAuthn,
      isPassive: state.isPassive,
      requestedAuthnContext: state.requestedAuthnContext,
    });
  }

  return {
    async begin(c, checked) {
      const handle = await store(checked.application, checked.state, checked.replayUntil);
      return handOn(c, checked.application, checked.state, handle);
    },

    async beginIdpInitiated(c, application, relayState) {
      if (!application.saml.idpInitiated.enabled) {
        throw refuse('saml_idp_initiated_disabled', 'This application does not accept sign-ins started at jitbridge', 403);
      }
      const state: AuthnRequestState = {
        applicationId: application.id,
        requestId: null,
        acsUrl: defaultAcs(application.saml.assertionConsumerServices).url,
        relayState: relayState ?? application.saml.idpInitiated.defaultRelayState,
        forceAuthn: false,
        isPassive: false,
        requestedAuthnContext: null,
        nameIdFormat: application.saml.nameId.format,
        refusal: null,
      };
      const handle = await store(application, state, new Date());
      return handOn(c, application, state, handle);
    },

    async finish(handle, result) {
      const { state, application } = await take(handle);
      const classRef = authnContextClass(result.mfa, state.requestedAuthnContext);
      if (!classRef) return answerStatus(state, STATUS.noAuthnContext, 'The requested authentication context could not be met');
      const keys = await loadSamlIdpKeys(deps.store);
      const nameId = nameIdFor(application.saml, result, keys.pairwiseKey);
      if (!nameId)
        return answerStatus(state, STATUS.invalidNameIdPolicy, 'The person has no value for the NameID this service provider is sent');
      const sessionIndex = newSamlId();
      const sessionNotOnOrAfter = new Date(Date.now() + SP_SESSION_MS);
      await insertSamlIdpSession(deps.store.db, {
        sessionIndex,
        applicationId: application.id,
        nameId: nameId.value,
        nameIdFormat: nameId.format,
        accountId: result.accountId,
        loginSessionId: result.loginSessionId,
        expiresAt: sessionNotOnOrAfter,
      });
      const samlResponse = await buildLoginResponse({
        settings: application.saml,
        endpoints,
        keys,
        acsUrl: state.acsUrl,
        inResponseTo: state.requestId,
        nameId,
        attributes: attributesFor(application.saml, result),
        sessionIndex,
        sessionNotOnOrAfter,
        authnInstant: result.authTime,
        authnContextClassRef: classRef,
      });
      return postTo(state, samlResponse);
    },

    async fail(handle, status, message) {
      const { state } = await take(handle);
      return answerStatus(state, status, message);
    },
  };
}
