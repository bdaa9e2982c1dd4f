// Where jitbridge's SAML IdP lives: its entity ID is its metadata URL (the usual convention, and resolvable).
import type { IdpEndpoints } from './samlify-idp.js';

export const SAML_BASE_PATH = '/saml';

export function idpEndpoints(publicUrl: string): IdpEndpoints {
  const base = `${publicUrl}${SAML_BASE_PATH}`;
  return { entityId: `${base}/metadata`, metadataUrl: `${base}/metadata`, ssoUrl: `${base}/sso`, sloUrl: `${base}/slo` };
}

/** Allowed difference between our clock and an SP's, for IssueInstant. */
export const CLOCK_SKEW_MS = 60_000;
/** How old an incoming request may be (it travels with one browser redirect). */
export const MAX_REQUEST_AGE_MS = 5 * 60_000;
/** How long a sign-in may take between the AuthnRequest and the Response. */
export const SIGN_IN_WINDOW_MS = 30 * 60_000;
/** SessionNotOnOrAfter of the sessions we open at SPs, and how long they are kept for logout. */
export const SP_SESSION_MS = 12 * 3600_000;
