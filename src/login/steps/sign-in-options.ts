// What step 1 of an app's sign-in flow offers, read the same way by the chooser and the start without a page.
import type { Application } from '../../store/index.js';

/**
 * Whether step 1 of the app's sign-in flow offers the LOCAL password (src/domain/sign-in-flow.ts). Later steps
 * (TOTP, Email OTP; `local_only` ones too) follow through `signIn` like after a federated login.
 */
export function offersLocal(app: Pick<Application, 'signInFlow'>): boolean {
  const first = app.signInFlow.steps[0] as { options?: Array<{ authenticator?: string }> } | undefined;
  return Boolean(first?.options?.some((option) => option.authenticator === 'LOCAL'));
}

/** The IdP chosen without a page (the `idp` parameter, or the app's only IdP and no LOCAL), else null. */
export function idpWithoutPage(app: Pick<Application, 'identityProviders' | 'signInFlow'>, params: Record<string, unknown>): string | null {
  const requested = params.idp;
  if (typeof requested === 'string' && requested !== '') return requested;
  return app.identityProviders.length === 1 && !offersLocal(app) ? app.identityProviders[0]! : null;
}
