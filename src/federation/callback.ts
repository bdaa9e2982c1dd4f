// An upstream callback into a verified FederatedIdentity, and nothing more: consume the flow (single use) →
// verify (protocol connector) → replay check. What the identity becomes (provisioning, prompts, the app's
// sign-in) is the login's business (src/login/steps/finish-federated.ts); so is the answer to the browser.
import type { FederatedIdentity } from '../domain/index.js';
import { AppError } from '../domain/index.js';
import {
  consumeFederationFlow,
  consumeFederationFlowWithIdp,
  findIdentityProvider,
  rememberAssertionId,
  type FederationFlow,
  type IdentityProviderRecord,
} from '../store/index.js';
import { FederationError, UnknownFlowError } from './errors.js';
import { finishOidcLogin, oidcConfiguration, type MissingClaims } from './oidc.js';
import { finishSamlLogin } from './saml.js';
import { redirectUri, type FederationContext } from './start.js';

/**
 * What a callback came to, once its flow is used up: the verified identity, or why not (`refused`: the upstream or
 * its answer said no; otherwise something failed on the way). The flow's IdP and the flow come with either.
 */
export type VerifiedCallback = { idp: IdentityProviderRecord; flow: FederationFlow } & (
  { identity: FederatedIdentity } | { error: FederationError; refused: boolean }
);

/** Runs the connector; any failure becomes the answer (the flow is already used up: the person gets one). */
async function verified(
  ctx: FederationContext,
  idp: IdentityProviderRecord,
  flow: FederationFlow,
  verify: () => Promise<FederatedIdentity>,
): Promise<VerifiedCallback> {
  try {
    // Checked here, after the flow is used up: an IdP disabled mid-login ends that login with an answer.
    if (!idp.enabled) throw new FederationError('identity_provider_disabled', 'This identity provider is disabled');
    return { idp, flow, identity: await verify() };
  } catch (caught) {
    const error =
      caught instanceof FederationError
        ? caught
        : caught instanceof AppError && caught.expose
          ? new FederationError(caught.code, caught.message, { cause: caught })
          : new FederationError('login_failed', 'The sign-in could not be completed', { cause: caught });
    if (caught instanceof FederationError)
      ctx.logger.warn({ err: error.cause ?? error, code: error.code, idpId: idp.id }, 'upstream login refused');
    else ctx.logger.error({ err: caught, code: error.code, idpId: idp.id }, 'upstream login failed');
    return { idp, flow, error, refused: caught instanceof FederationError };
  }
}

/**
 * GET /federation/:idpId/callback (OIDC redirect URI). Throws UnknownFlowError when the state is not ours.
 * `missingClaims` answers which claims the caller's mapping reads that the ID token lacks (the userinfo question).
 */
export async function verifyOidcCallback(
  ctx: FederationContext,
  idpId: string,
  callbackQuery: URLSearchParams,
  missingClaims: MissingClaims,
): Promise<VerifiedCallback> {
  const state = callbackQuery.get('state');
  if (!state) throw new UnknownFlowError('no login in progress');
  const found = await consumeFederationFlowWithIdp(ctx.store.db, ctx.store.secrets, idpId, state);
  if (!found || found.idp.idp.protocol !== 'oidc' || found.flow.protocol !== 'oidc')
    throw new UnknownFlowError('no login in progress for this state');
  const { flow, idp: loaded } = found;
  const idp = loaded.idp;
  return verified(ctx, idp, flow, async () => {
    const { clientSecret } = loaded.secrets();
    const tolerance = ctx.config.upstreamClockToleranceSeconds;
    const config = await oidcConfiguration(idp, clientSecret, tolerance);
    // The URL as registered (PUBLIC_URL), not as this instance happened to be reached.
    const url = new URL(redirectUri(ctx.config.publicUrl, idp.id));
    url.search = callbackQuery.toString();
    return finishOidcLogin(config, idp, flow, url, missingClaims, tolerance);
  });
}

/** POST /federation/:idpId/saml/acs. The RelayState names our flow; InResponseTo must be that flow's request. */
export async function verifySamlCallback(
  ctx: FederationContext,
  idpId: string,
  form: { SAMLResponse?: string | undefined; RelayState?: string | undefined },
): Promise<VerifiedCallback> {
  const idp = await findIdentityProvider(ctx.store.db, idpId);
  if (!idp || idp.protocol !== 'saml' || !form.RelayState) throw new UnknownFlowError('no login in progress');
  const flow = await consumeFederationFlow(ctx.store.db, idp.id, form.RelayState);
  if (!flow || flow.protocol !== 'saml' || !flow.samlRequestId) throw new UnknownFlowError('no login in progress for this RelayState');
  return verified(ctx, idp, flow, async () => {
    if (!form.SAMLResponse) throw new FederationError('saml_malformed', 'No SAMLResponse was posted');
    const { identity, assertion } = await finishSamlLogin(idp, ctx.config.publicUrl, form.SAMLResponse, flow.samlRequestId!);
    // One-time use (Profiles §4.1.4.5): an assertion id seen before is a replay, even inside a fresh flow.
    if (!(await rememberAssertionId(ctx.store.db, idp.id, assertion.id, assertion.notOnOrAfter))) {
      throw new FederationError('saml_assertion_replayed', 'This assertion was already used');
    }
    return identity;
  });
}
