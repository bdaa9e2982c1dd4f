// What a federation connector hands on after it has verified an upstream login. Nothing downstream of
// the connectors knows whether it came by OIDC or SAML.

export interface AuthnContext {
  protocol: 'oidc' | 'saml';
  /** Authentication methods references (RFC 8176), from the ID token's `amr` or mapped from SAML's AuthnContextClassRef. */
  amr: string[];
  /** The upstream `acr` or SAML AuthnContextClassRef, if any. */
  acr: string | null;
  /** When the person authenticated upstream (seconds since epoch), if known. */
  authTime: number | null;
  /** The upstream session index (SAML) or `sid` (OIDC), for logout. */
  sessionId: string | null;
}

export interface FederatedIdentity {
  idpId: string;
  /** The stable upstream subject: the ID token's `sub`, or the SAML NameID (persistent) / configured attribute. */
  subject: string;
  /** Raw claims: OIDC claims from the ID token (and userinfo), or SAML attributes (multi-valued → arrays). */
  claims: Record<string, unknown>;
  authnContext: AuthnContext;
}
