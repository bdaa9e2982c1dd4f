// Ties an upstream login (a federation flow) to the browser that began it, so that the callback may finish the
// app's interaction in its own response (one redirect fewer) without opening a login-CSRF hole: a callback URL
// carried to another browser (an attacker's own upstream answer, or a victim's silent SSO answer to an
// attacker's flow) finds no matching cookie there and takes the slower path, which checks the interaction cookie.
//
// The cookie is set where the flow starts (the authorization endpoint or /login/<uid>), next to oidc-provider's
// own interaction cookies; its value is an HMAC of the flow id under the cookie key, so it is nothing anyone can
// read off a URL. One cookie per IdP path: a second sign-in in another tab replaces it, and the first tab's
// callback then simply takes the slower path. SameSite=Lax reaches a top-level GET callback (OIDC); a
// cross-site SAML POST does not carry it and takes the slower path too.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { generateCookie } from 'hono/cookie';

export const FLOW_BINDING_COOKIE = 'jb_flow';

export interface CookieToSet {
  name: string;
  value: string;
  path: string;
  maxAgeSeconds: number;
  secure: boolean;
}

const bindingOf = (key: string, flowId: string) => createHmac('sha256', key).update('federation-flow\0').update(flowId).digest('base64url');

/** The cookie that marks this browser as the one that began `flowId` at the IdP's federation routes. */
export function flowBindingCookie(
  cookieKey: string,
  idpId: string,
  flowId: string,
  options: { secure: boolean; maxAgeSeconds: number },
): CookieToSet {
  return {
    name: FLOW_BINDING_COOKIE,
    value: bindingOf(cookieKey, flowId),
    path: `/federation/${idpId}/`,
    maxAgeSeconds: options.maxAgeSeconds,
    secure: options.secure,
  };
}

/** Whether the presented cookie value binds `flowId` under any of the cookie keys (the newest signs, all verify). */
export function flowBindingMatches(cookieKeys: readonly string[], flowId: string, presented: string | undefined): boolean {
  if (!presented || presented.length > 100) return false;
  const actual = Buffer.from(presented);
  return cookieKeys.some((key) => {
    const expected = Buffer.from(bindingOf(key, flowId));
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  });
}

/** The Set-Cookie header value of a cookie. */
export function serializeCookie(cookie: CookieToSet): string {
  return generateCookie(cookie.name, cookie.value, {
    path: cookie.path,
    maxAge: cookie.maxAgeSeconds,
    httpOnly: true,
    sameSite: 'Lax',
    secure: cookie.secure,
  });
}

/** The Set-Cookie header value that removes the IdP's binding cookie (its flow is used up). */
export const clearFlowBinding = (idpId: string, secure: boolean): string =>
  serializeCookie({ name: FLOW_BINDING_COOKIE, value: '', path: `/federation/${idpId}/`, maxAgeSeconds: 0, secure });
