// Signing in to the console: authorization code + PKCE (RFC 7636, S256) with the built-in public client
// `jitbridge-console` at jitbridge's own OpenID Provider. The access token lives in sessionStorage (this tab only,
// gone when it closes); there is no refresh token, so an expired token means signing in again (silent while the
// provider's session lasts).
export interface ConsoleConfig {
  publicUrl: string;
  issuer: string;
  clientId: string;
  api: string;
}

export type Role = 'admin' | 'operator' | 'auditor';

export interface Session {
  accessToken: string;
  idToken?: string;
  scope: string;
  role: Role;
  name: string;
  expiresAt: number;
}

const SESSION_KEY = 'jitbridge.console.session';
const PENDING_KEY = 'jitbridge.console.pending';
export const ALL_SCOPES = 'openid profile jitbridge:admin jitbridge:operate jitbridge:read';

let config: ConsoleConfig | undefined;
export async function loadConfig(): Promise<ConsoleConfig> {
  if (config) return config;
  const response = await fetch('/console/config.json');
  if (!response.ok) throw new Error(`the console's settings could not be read (${response.status})`);
  config = (await response.json()) as ConsoleConfig;
  return config;
}

const redirectUri = (c: ConsoleConfig) => `${c.publicUrl}/console/callback`;

function base64url(bytes: Uint8Array): string {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const randomText = () => base64url(crypto.getRandomValues(new Uint8Array(32)));

/** The highest role the granted scopes carry (the API still decides on every call). */
export function roleOf(scope: string): Role | undefined {
  const scopes = scope.split(' ');
  if (scopes.includes('jitbridge:admin')) return 'admin';
  if (scopes.includes('jitbridge:operate')) return 'operator';
  if (scopes.includes('jitbridge:read')) return 'auditor';
  return undefined;
}

const RANK: Record<Role, number> = { auditor: 0, operator: 1, admin: 2 };
/** Whether the role covers what `needed` may do. */
export const can = (role: Role, needed: Role) => RANK[role] >= RANK[needed];

export async function startSignIn(returnTo: string, scope = ALL_SCOPES): Promise<void> {
  const c = await loadConfig();
  if (!crypto.subtle) throw new Error('signing in needs a secure page (https, or http on localhost)');
  const verifier = randomText();
  const state = randomText();
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state, returnTo }));
  const url = new URL(`${c.issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: c.clientId,
    response_type: 'code',
    redirect_uri: redirectUri(c),
    scope,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.toString());
}

function claimsOf(idToken: string | undefined): Record<string, unknown> {
  const part = idToken?.split('.')[1];
  if (!part) return {};
  try {
    return JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** At /console/callback: the code for a token. Answers where to go next. */
export async function finishSignIn(params: URLSearchParams): Promise<string> {
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null') as { verifier: string; state: string; returnTo: string } | null;
  sessionStorage.removeItem(PENDING_KEY);
  const error = params.get('error');
  if (error) throw new Error(params.get('error_description') ?? error);
  if (!pending || params.get('state') !== pending.state)
    throw new Error('this sign-in was not started here (state mismatch); sign in again');
  const c = await loadConfig();
  const response = await fetch(`${c.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: params.get('code') ?? '',
      redirect_uri: redirectUri(c),
      client_id: c.clientId,
      code_verifier: pending.verifier,
    }),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(String(body.error_description ?? body.error ?? `token request failed (${response.status})`));
  const scope = String(body.scope ?? '');
  const role = roleOf(scope);
  if (!role) throw new Error('your account holds no console role (ask an admin to add you to a role group)');
  const claims = claimsOf(body.id_token as string | undefined);
  const session: Session = {
    accessToken: String(body.access_token),
    idToken: body.id_token as string | undefined,
    scope,
    role,
    name: String(claims.preferred_username ?? claims.name ?? claims.email ?? claims.sub ?? 'signed in'),
    expiresAt: Date.now() + Number(body.expires_in ?? 900) * 1000,
  };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return pending.returnTo || '#/';
}

export function currentSession(): Session | undefined {
  const session = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null') as Session | null;
  if (!session || session.expiresAt <= Date.now()) return undefined;
  return session;
}

export function forgetSession(): void {
  sessionStorage.removeItem(SESSION_KEY);
}

/** Revokes the token (RFC 7009), then ends the provider's session (RP-initiated logout). */
export async function signOut(): Promise<void> {
  const c = await loadConfig();
  const session = currentSession();
  forgetSession();
  if (session) {
    await fetch(`${c.issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: session.accessToken, client_id: c.clientId }),
    }).catch(() => undefined);
  }
  const url = new URL(`${c.issuer}/session/end`);
  url.search = new URLSearchParams({ client_id: c.clientId, post_logout_redirect_uri: `${c.publicUrl}/console/` }).toString();
  location.assign(url.toString());
}
