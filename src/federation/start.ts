// Starting an upstream login: check return_to → load the IdP → protocol request → keep the flow (OIDC state,
// nonce and PKCE verifier, or the SAML request id) in the store, so any instance can take the callback.
import { randomBytes } from 'node:crypto';
import { AppError, invalidInput, notFound } from '../domain/index.js';
import type { AppContext } from '../http/index.js';
import { findIdentityProviderWithSecrets, insertFederationFlow, type IdentityProviderWithSecrets } from '../store/index.js';
import { oidcConfiguration, startOidcLogin } from './oidc.js';
import { startSamlLogin } from './saml.js';

export type FederationContext = Pick<AppContext, 'config' | 'store' | 'logger' | 'metrics'>;

export interface BeginLogin {
  idpId: string;
  /** A path on this server (`/…`), where the person goes with `login_result=<id>` appended. */
  returnTo: string;
  /** Kept with the flow and handed back in the login result (for example `{ interactionUid }`). */
  context?: unknown;
}

/** Accepts only a relative path on this server: anything else would make /start an open redirect. */
export function checkReturnTo(returnTo: string, publicUrl: string): string {
  const bad = () =>
    invalidInput('invalid_return_to', 'return_to must be a path on this server, such as /done', [
      { field: 'return_to', message: 'not a local path' },
    ]);
  // `//host` and `/\host` are protocol-relative in browsers; control characters can hide either.
  if (!returnTo.startsWith('/') || returnTo.startsWith('//') || returnTo.startsWith('/\\') || /[\u0000-\u001f\u007f\\]/.test(returnTo))
    throw bad();
  if (returnTo.length > 2000) throw bad();
  const base = new URL(publicUrl);
  const resolved = new URL(returnTo, base);
  if (resolved.origin !== base.origin) throw bad();
  const path = `${resolved.pathname}${resolved.search}${resolved.hash}`;
  // Dot segments can turn a harmless path into a protocol-relative one: `/..//evil.example` → `//evil.example`.
  if (path.startsWith('//') || path.startsWith('/\\')) throw bad();
  return path;
}

/** The IdP with its sealed secrets, in one read (opened only when asked for). */
async function loadEnabled(ctx: FederationContext, idpId: string): Promise<IdentityProviderWithSecrets> {
  const loaded = await findIdentityProviderWithSecrets(ctx.store.db, ctx.store.secrets, idpId);
  if (!loaded) throw notFound('identity_provider_not_found', 'No such identity provider');
  if (!loaded.idp.enabled) throw new AppError('forbidden', 'identity_provider_disabled', 'This identity provider is disabled');
  return loaded;
}

export const redirectUri = (publicUrl: string, idpId: string) => `${publicUrl}/federation/${idpId}/callback`;

/** Starts an upstream login (server side); the caller sends the person to `redirectUrl`. `flowId` names the flow. */
export async function beginUpstreamLogin(ctx: FederationContext, input: BeginLogin): Promise<{ redirectUrl: string; flowId: string }> {
  const returnTo = checkReturnTo(input.returnTo, ctx.config.publicUrl);
  const loaded = await loadEnabled(ctx, input.idpId);
  const idp = loaded.idp;
  if (idp.protocol === 'oidc') {
    const { clientSecret } = loaded.secrets();
    let start: Awaited<ReturnType<typeof startOidcLogin>>;
    try {
      start = await startOidcLogin(
        await oidcConfiguration(idp, clientSecret, ctx.config.upstreamClockToleranceSeconds),
        idp,
        redirectUri(ctx.config.publicUrl, idp.id),
      );
    } catch (error) {
      ctx.logger.warn({ err: error, idpId: idp.id }, 'upstream OIDC login could not start');
      throw new AppError('unavailable', 'upstream_unavailable', 'The identity provider cannot be reached');
    }
    await insertFederationFlow(ctx.store.db, {
      id: start.state,
      idpId: idp.id,
      protocol: 'oidc',
      nonce: start.nonce,
      codeVerifier: start.codeVerifier,
      returnTo,
      context: input.context ?? null,
    });
    return { redirectUrl: start.redirectUrl, flowId: start.state };
  }
  const flowId = randomBytes(24).toString('base64url');
  const start = startSamlLogin(idp, ctx.config.publicUrl, flowId);
  await insertFederationFlow(ctx.store.db, {
    id: flowId,
    idpId: idp.id,
    protocol: 'saml',
    samlRequestId: start.requestId,
    returnTo,
    context: input.context ?? null,
  });
  return { redirectUrl: start.redirectUrl, flowId };
}
