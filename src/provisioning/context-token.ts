// Context tokens for external provisioning pages (settings.jit.usernameProvisioningUrl /
// passwordProvisioningUrl, the reference product's username_provisioning_url / password_provisioning_url).
// The login sends the person to the external page with a signed, short-lived, single-use JWT (RFC 7519,
// HS256 under a server key kept sealed in the store) carrying what the page needs; the page posts the
// person's answers back to the completion endpoint with the token, which is verified and then redeemed.
//
// Redeeming is separate from verifying so that a page whose answers are refused (weak password, taken
// username) can post again with the same token until it expires; the token is spent only by the
// transaction that completes the provisioning.
import { randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { AppError } from '../domain/index.js';
import { ensureServerSecret, isContextTokenUsed, markContextTokenUsed, type Executor, type Store } from '../store/index.js';

export const CONTEXT_TOKEN_TYPE = 'jitbridge-provisioning-context+jwt';
export const CONTEXT_TOKEN_KEY_PURPOSE = 'provisioning-context';
const DEFAULT_TTL_SECONDS = 300;

export type ProvisioningStep = 'username' | 'password';

/** What the external page needs to ask its question and post the answer back. */
export interface ProvisioningContext {
  step: ProvisioningStep;
  /** The pending provisioning this answer completes (opaque to the page). */
  pendingId: string;
  /** The app the person is signing in to, to show on the page. */
  appName: string;
  /** Username suggested from the IdP's claims (the username step pre-fills it). */
  username: string | null;
  /** Where the page posts its form (with `context` = this token). */
  completionUrl: string;
}

export interface VerifiedContext extends ProvisioningContext {
  jti: string;
  expiresAt: Date;
}

export interface IssuedContextToken {
  token: string;
  jti: string;
  expiresAt: Date;
  /** The external page's URL with `?context=<token>`: where to send the browser. */
  redirectUrl: string;
}

export interface ContextTokenOptions {
  store: Pick<Store, 'db' | 'secrets'>;
  /** Our issuer (PUBLIC_URL). */
  issuer: string;
  ttlSeconds?: number;
}

const refuse = (code: string, message: string, cause?: unknown) => new AppError('forbidden', code, message, [], { cause });

/** Issues and checks context tokens; the key is loaded (or made) on first use and kept. */
export function createContextTokens(options: ContextTokenOptions) {
  const ttl = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  let key: Promise<{ kid: string; secret: Uint8Array }> | null = null;
  const signingKey = () => {
    key ??= ensureServerSecret(options.store.db, options.store.secrets, CONTEXT_TOKEN_KEY_PURPOSE)
      .then((k) => ({ kid: k.kid, secret: new Uint8Array(k.secret) }))
      .catch((error: unknown) => {
        key = null; // try again on the next call rather than remember a failure
        throw error;
      });
    return key;
  };

  return {
    /** A token for the external page at `pageUrl` (its audience). */
    async issue(pageUrl: string, context: ProvisioningContext): Promise<IssuedContextToken> {
      const { kid, secret } = await signingKey();
      const jti = randomUUID();
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({
        step: context.step,
        app_name: context.appName,
        preferred_username: context.username,
        completion_url: context.completionUrl,
      })
        .setProtectedHeader({ alg: 'HS256', typ: CONTEXT_TOKEN_TYPE, kid })
        .setIssuer(options.issuer)
        .setAudience(pageUrl)
        .setSubject(context.pendingId)
        .setJti(jti)
        .setIssuedAt(now)
        .setExpirationTime(now + ttl)
        .sign(secret);
      const redirect = new URL(pageUrl);
      redirect.searchParams.set('context', token);
      return { token, jti, expiresAt: new Date((now + ttl) * 1000), redirectUrl: redirect.toString() };
    },

    /**
     * Checks signature, type, issuer, audience (the page the token was issued for), expiry, the step and
     * that it was not redeemed yet. Refusals are 403s with codes: `context_token_invalid`,
     * `context_token_expired`, `context_token_replayed`.
     */
    async verify(token: string, expected: { pageUrl: string; step?: ProvisioningStep }): Promise<VerifiedContext> {
      if (typeof token !== 'string' || token.length === 0 || token.length > 8192)
        throw refuse('context_token_invalid', 'The provisioning context is missing or malformed.');
      const { secret } = await signingKey();
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, secret, {
          algorithms: ['HS256'],
          typ: CONTEXT_TOKEN_TYPE,
          issuer: options.issuer,
          audience: expected.pageUrl,
          requiredClaims: ['jti', 'sub', 'exp', 'iat'],
          clockTolerance: 5,
        }));
      } catch (error) {
        if (error instanceof joseErrors.JWTExpired)
          throw refuse('context_token_expired', 'The provisioning page took too long; sign in again.', error);
        throw refuse('context_token_invalid', 'The provisioning context is not valid.', error);
      }
      const step = payload.step;
      if ((step !== 'username' && step !== 'password') || (expected.step && step !== expected.step)) {
        throw refuse('context_token_invalid', 'The provisioning context is for another step.');
      }
      const context: VerifiedContext = {
        step,
        pendingId: String(payload.sub),
        appName: typeof payload.app_name === 'string' ? payload.app_name : '',
        username: typeof payload.preferred_username === 'string' ? payload.preferred_username : null,
        completionUrl: typeof payload.completion_url === 'string' ? payload.completion_url : '',
        jti: String(payload.jti),
        expiresAt: new Date(Number(payload.exp) * 1000),
      };
      if (await isContextTokenUsed(options.store.db, context.jti))
        throw refuse('context_token_replayed', 'This provisioning context was already used; sign in again.');
      return context;
    },

    /**
     * Spends the token inside the transaction that completes the provisioning: a second redemption (two
     * posts racing, or a replay) fails, and the transaction rolls back with it.
     */
    async redeem(executor: Executor, context: Pick<VerifiedContext, 'jti' | 'expiresAt'>): Promise<void> {
      if (!(await markContextTokenUsed(executor, context.jti, context.expiresAt))) {
        throw refuse('context_token_replayed', 'This provisioning context was already used; sign in again.');
      }
    },
  };
}

export type ContextTokens = ReturnType<typeof createContextTokens>;
