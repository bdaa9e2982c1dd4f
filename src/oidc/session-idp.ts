// Single sign-on across apps must respect each app's allowed IdPs: a session made through IdP X must not sign
// a person into an app that allows only IdP Y (or that asks for `idp=Y`). The IdP a session's login came
// through is kept beside the session (oidc_payloads, model `SessionIdp`, keyed by the session's uid, written
// with the session in one statement), and a check added to oidc-provider's `login` prompt sends the person
// back to the interaction when it does not fit.
import Provider, { interactionPolicy } from 'oidc-provider';
import { type Store, findApplicationByClientIdCached, findOidcPayload } from '../store/index.js';

export const SESSION_IDP_MODEL = 'SessionIdp';

/** The interaction result key carrying the IdP of a finished login (alongside oidc-provider's `login`). */
export const RESULT_IDP_KEY = 'jitbridgeIdp';

/**
 * The IdP of the login this request is resuming with (the interaction result's RESULT_IDP_KEY), or undefined:
 * read from oidc-provider's request context, where the Session adapter needs it to write the session's IdP in
 * the same statement as the session itself (adapter.ts).
 */
export function idpOfResumedLogin(): string | undefined {
  const idpId = (Provider.ctx?.oidc?.result as Record<string, unknown> | undefined)?.[RESULT_IDP_KEY];
  return typeof idpId === 'string' ? idpId : undefined;
}

/** oidc-provider's default interaction policy, its `login` prompt extended with the session-IdP check. */
export function interactionPolicyFor(store: Store) {
  const policy = interactionPolicy.base();
  policy.get('login')!.checks.add(
    new interactionPolicy.Check(
      'idp_not_allowed',
      'the identity provider the session signed in with does not fit this request',
      async (ctx) => {
        const { session, client, params } = ctx.oidc;
        if (!session?.accountId || !client) return interactionPolicy.Check.NO_NEED_TO_PROMPT; // no_session prompts already
        // Resuming right after a login at /login/<uid>: the interaction has just checked the IdP against this app.
        if (typeof (ctx.oidc.result as Record<string, unknown> | undefined)?.[RESULT_IDP_KEY] === 'string') {
          return interactionPolicy.Check.NO_NEED_TO_PROMPT;
        }
        const [stored, app] = await Promise.all([
          findOidcPayload(store.db, SESSION_IDP_MODEL, session.uid),
          findApplicationByClientIdCached(store.db, client.clientId),
        ]);
        const idpId = stored?.idpId;
        if (typeof idpId !== 'string' || !app?.identityProviders.includes(idpId)) return interactionPolicy.Check.REQUEST_PROMPT;
        const requested = params?.idp;
        if (typeof requested === 'string' && requested !== '' && requested !== idpId) return interactionPolicy.Check.REQUEST_PROMPT;
        return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      },
    ),
  );
  return policy;
}
