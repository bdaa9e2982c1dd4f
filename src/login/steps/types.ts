// What the login steps share: the port an app protocol hands the login (read its interaction, finish it),
// the dependencies every step takes, and the interaction as a step sees it once loaded.
import type { Context } from 'hono';
import type { AuthnContext } from '../../domain/index.js';
import type { BeginLogin } from '../../federation/index.js';
import type { AppContext, AppEnv } from '../../http/index.js';
import type { Application } from '../../store/index.js';

export type C = Context<AppEnv>;

/** The interaction as the steps read it; the protocol's own object stays behind the port. */
export interface InteractionView {
  uid: string;
  clientId: string;
  /** What the protocol asks for now: `login`, `consent`, … with its details (missing scopes and claims). */
  prompt: { name: string; details: Record<string, unknown> };
  params: Record<string, unknown>;
  /** The account of the session already signed in (the consent prompt), if any. */
  accountId: string | undefined;
}

/** How an interaction ends, in the login's terms; the protocol turns it into its own result. */
export type InteractionEnding =
  | { kind: 'login'; idpId: string; accountId: string; authn: Partial<AuthnContext> }
  | { kind: 'refused'; description: string }
  /** The person allowed what the app asks (the consent prompt): the protocol records it on its grant. */
  | { kind: 'consented' };

/** What an app protocol (oidc; saml-idp through it) hands the login. */
export interface LoginProtocol {
  /** The interaction this browser's cookie names, if it is `uid`'s; undefined when expired, finished or foreign. */
  details(c: C, uid: string): Promise<InteractionView | undefined>;
  /** The interaction by uid, without its cookie (the federation callback, where the flow binding proves the browser). */
  find(uid: string): Promise<InteractionView | undefined>;
  /** Ends the interaction; answers where the browser goes next. */
  finish(uid: string, ending: InteractionEnding): Promise<string>;
  /** The keys of the moment: cookie keys (CSRF, flow binding; the first signs). */
  cookieKeys(): Promise<string[]>;
  /** The account of a JIT-off login: nothing is stored in the user tables, the mapped claims ride with the session. */
  federatedAccount(idpId: string, subject: string, claims: Record<string, unknown> | null): Promise<string>;
  /** How long an interaction lives (seconds): state kept beside it lives as long. */
  interactionTtlSeconds: number;
  /** The scopes the consent page may list, and the claims each brings. */
  scopes: ProtocolScopes;
}

export interface ProtocolScopes {
  supported: readonly string[];
  claims: Readonly<Record<string, readonly string[]>>;
}

/** Starts an upstream login (federation's beginUpstreamLogin; a test may hand in another). */
export type BeginUpstreamLogin = (
  ctx: AppContext,
  input: Pick<BeginLogin, 'idpId' | 'returnTo' | 'context'>,
) => Promise<{ redirectUrl: string; flowId: string }>;

/** What every step takes. */
export interface LoginDeps {
  ctx: AppContext;
  protocol: LoginProtocol;
  begin: BeginUpstreamLogin;
}

/** A loaded interaction: the step every other step starts from. */
export interface Step {
  interaction: InteractionView;
  app: Application;
  cookieKeys: string[];
}

/** The interaction uid as oidc-provider makes it. */
export const UID = /^[A-Za-z0-9_-]{10,64}$/;
