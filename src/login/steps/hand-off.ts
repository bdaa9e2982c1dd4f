// Step: hand the person back to the app. Every way a sign-in ends comes here: signed in (after the second step,
// when the app's sign-in flow asks for one), refused (a page for the person, access_denied for the app), or
// ended by the person (cancel, consent refused). The app protocol records the ending (LoginProtocol.finish).
import { deleteFederationFlowsOfInteraction } from '../../store/index.js';
import { interceptSecondStep, type PendingSignIn } from './mfa.js';
import { showError } from './pages.js';
import type { C, InteractionEnding, LoginDeps, Step } from './types.js';

/** Ends the interaction; answers where the browser goes. The upstream flows it began can only be replayed now. */
export async function endInteraction(deps: LoginDeps, step: Step, ending: InteractionEnding): Promise<string> {
  const uid = step.interaction.uid;
  const [returnTo] = await Promise.all([deps.protocol.finish(uid, ending), deleteFederationFlowsOfInteraction(deps.ctx.store.db, uid)]);
  return returnTo;
}

/** Signed in as `accountId` with the upstream authentication context, the second step passed or not needed. */
export function completeSignIn(deps: LoginDeps, step: Step, signIn: PendingSignIn): Promise<string> {
  deps.ctx.metrics.appSignIns.inc({ result: 'signed_in' });
  return endInteraction(deps, step, { kind: 'login', ...signIn });
}

/**
 * Step 1 passed: finish now, or go to the second step (/login/:uid/mfa) when the app's sign-in flow asks for one
 * or the account may not sign in. `accountUsable`: provisioning just read the account active and unlocked.
 */
export async function signIn(deps: LoginDeps, step: Step, pending: PendingSignIn, accountUsable = false): Promise<string> {
  return (await interceptSecondStep(deps, step, pending, accountUsable)) ?? completeSignIn(deps, step, pending);
}

/** A failure the app learns as access_denied (with `description`); the person sees why and a way back. */
export async function refuse(
  deps: LoginDeps,
  c: C,
  step: Step,
  why: { title: string; message: string; description: string },
  status: 400 | 403 = 403,
): Promise<Response> {
  deps.ctx.metrics.appSignIns.inc({ result: 'refused' });
  const backUrl = await endInteraction(deps, step, { kind: 'refused', description: why.description });
  return showError(c, status, { title: why.title, message: why.message, backUrl, appName: step.app.name });
}
