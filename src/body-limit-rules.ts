// The body limit of every route, by path prefix, in one place (applied in front of all routes by app.ts; see
// http/body-limits.ts). A new route falls under its prefix's rule, or the last rule, so it cannot go without one.
import type { Context } from 'hono';
import { AppError } from './domain/index.js';
import { MAX_SAML_RESPONSE_BYTES } from './federation/index.js';
import type { AppContext, AppEnv, BodyLimitRule } from './http/index.js';
import { errorPage } from './login/index.js';
import { MAX_OIDC_FORM_BYTES, OIDC_PREFIX } from './oidc/index.js';
import { MAX_MESSAGE_CHARS, MAX_RELAY_STATE_BYTES, SAML_BASE_PATH } from './saml-idp/index.js';
import { BULK_MAX_PAYLOAD_BYTES } from './scim/index.js';

export const DEFAULT_LOGIN_BODY_LIMIT_BYTES = 32 * 1024;

/** /api and /scim: the app's error handler answers in their formats (problem+json, SCIM error JSON). */
const thrown =
  (code: string) =>
  (_c: Context<AppEnv>, maxBytes: number): never => {
    throw new AppError('payload_too_large', code, `The request body is larger than ${maxBytes} bytes`);
  };

/** For people: the styled error page. */
const page = async (c: Context<AppEnv>) =>
  c.html(
    await errorPage({
      title: 'The form was too large',
      message: 'The page sent more data than a sign-in form can hold. Go back and try again.',
      reference: c.get('requestId') ?? null,
    }),
    413,
    { 'cache-control': 'no-store' },
  );

/** For apps calling the OpenID Provider: an OAuth error. */
const oauth = (_c: Context<AppEnv>, maxBytes: number) =>
  new Response(JSON.stringify({ error: 'invalid_request', error_description: `The request body is larger than ${maxBytes} bytes` }), {
    status: 413,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });

export function bodyLimitRules(ctx: AppContext): BodyLimitRule[] {
  const forms = ctx.config.loginBodyLimitBytes ?? DEFAULT_LOGIN_BODY_LIMIT_BYTES;
  return [
    { prefix: '/api', maxBytes: ctx.config.bodyLimitBytes, tooLarge: thrown('payload_too_large') },
    // The largest SCIM body while it streams in; the router refuses a Content-Length over its endpoint's own limit.
    { prefix: '/scim', maxBytes: Math.max(BULK_MAX_PAYLOAD_BYTES, ctx.config.bodyLimitBytes), tooLarge: thrown('tooLarge') },
    // oidc-provider reads its own bodies (bounded at the same size), as does the client secret step in front of it.
    { prefix: OIDC_PREFIX, maxBytes: MAX_OIDC_FORM_BYTES, tooLarge: oauth, streamReadBy: 'handler' },
    { prefix: '/login', maxBytes: forms, tooLarge: page },
    // A SAML response (base64) and RelayState in a form.
    { prefix: '/federation', maxBytes: MAX_SAML_RESPONSE_BYTES + 16 * 1024, tooLarge: page },
    { prefix: SAML_BASE_PATH, maxBytes: MAX_MESSAGE_CHARS * 2 + MAX_RELAY_STATE_BYTES * 4, tooLarge: page },
    { prefix: '/', maxBytes: forms, tooLarge: page },
  ];
}
