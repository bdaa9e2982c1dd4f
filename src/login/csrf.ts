// CSRF tokens of the login forms: an HMAC of the interaction uid under a server key. The interaction
// cookie (signed, SameSite=Lax, path /login/<uid>) names the uid; a form post must carry the token of
// that same uid, which a third-party page cannot compute.
import { createHmac, timingSafeEqual } from 'node:crypto';

export function csrfToken(key: string, uid: string): string {
  return createHmac('sha256', key).update('login-csrf\0').update(uid).digest('base64url');
}

export function csrfTokenMatches(key: string, uid: string, presented: unknown): boolean {
  if (typeof presented !== 'string' || presented.length > 100) return false;
  const expected = Buffer.from(csrfToken(key, uid));
  const actual = Buffer.from(presented);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
