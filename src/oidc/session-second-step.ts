// Single sign-on must not skip an app's second step: a session made without one (its login's amr has no
// `otp`, RFC 8176) cannot sign the person into an app whose sign-in flow asks for TOTP / Email OTP after the
// step 1 that session came through. A check on oidc-provider's `login` prompt sends the person back to the
// interaction (/login/<uid>), where the second step is asked (src/login/steps/mfa.ts).
import { interactionPolicy } from 'oidc-provider';
import { nextStep, type CompletedStep, type SignInFlow } from '../domain/index.js';
import { type Store, findApplicationByClientIdCached, findOidcPayload } from '../store/index.js';
import { RESULT_IDP_KEY, SESSION_IDP_MODEL } from './session-idp.js';

type Policy = ReturnType<typeof interactionPolicy.base>;

/** Adds the check to `policy`'s login prompt; returns the policy. */
export function withSecondStepCheck(store: Store, policy: Policy): Policy {
  policy.get('login')!.checks.add(
    new interactionPolicy.Check(
      'second_step_required',
      'this application asks for a second step the session has not passed',
      // A pending second factor is authentication still to do, so prompt=none answers login_required
      // (OIDC Core 3.1.2.6), like any other login the session lacks; a check added after the prompt is
      // built would otherwise get oidc-provider's generic interaction_required.
      'login_required',
      async (ctx) => {
        const { session, client } = ctx.oidc;
        if (!session?.accountId || !client) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
        // Resuming right after a login at /login/<uid>: the interaction has just applied this app's flow.
        if (typeof (ctx.oidc.result as Record<string, unknown> | undefined)?.[RESULT_IDP_KEY] === 'string') {
          return interactionPolicy.Check.NO_NEED_TO_PROMPT;
        }
        if ((session.amr ?? []).includes('otp')) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
        const app = await findApplicationByClientIdCached(store.db, client.clientId);
        const flow = app?.signInFlow as SignInFlow | undefined;
        if (!flow || flow.steps.length < 2) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
        const stored = await findOidcPayload(store.db, SESSION_IDP_MODEL, session.uid);
        const idpId = typeof stored?.idpId === 'string' ? stored.idpId : '';
        const first: CompletedStep = idpId === 'LOCAL' ? { step: 1, authenticator: 'LOCAL' } : { step: 1, idp: idpId };
        return nextStep(flow, [first]).done ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT;
      },
    ),
  );
  return policy;
}
