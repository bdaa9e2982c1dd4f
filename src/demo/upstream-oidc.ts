// The demo's upstream OpenID Provider ("Example Corp"): a real oidc-provider on 127.0.0.1 with the demo people,
// a sign-in form that shows who can sign in and the password, and one confidential client (jitbridge) whose
// secret and redirect URI the demo sets once jitbridge knows its IdP. It asks for the password on every sign-in
// (no single sign-on), so after signing out of the demo app a person can come back as someone else.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Provider, { interactionPolicy, type AdapterPayload, type KoaContextWithOIDC } from 'oidc-provider';
import { html, pageHeaders, renderPage } from './html.js';
import { memoryAdapter } from './memory-adapter.js';
import { DEMO_PASSWORD, findPerson, fullName, OIDC_PEOPLE, type DemoPerson } from './people.js';
import { closeServer, DEMO_HOST, listenOn } from './ports.js';

export const OIDC_SITE = { name: 'Example Corp — demo OpenID Provider', colour: '#8250df' };

export interface DemoOidcProvider {
  issuer: string;
  clientId: string;
  /** Registers jitbridge as this OP's client (again: each demo start rotates the secret). */
  setClient(client: { clientSecret: string; redirectUri: string }): void;
  stop(): Promise<void>;
}

function claimsOf(person: DemoPerson): { sub: string } & Record<string, unknown> {
  return {
    sub: person.login,
    preferred_username: person.login,
    name: fullName(person),
    given_name: person.givenName,
    family_name: person.familyName,
    email: person.email,
    email_verified: true,
    groups: person.groups,
  };
}

function loginPage(uid: string, clientName: string, error?: string): string {
  return renderPage({
    title: 'Sign in — Example Corp',
    site: OIDC_SITE,
    body: html`<div class="card">
        <h1>Sign in to Example Corp</h1>
        <p class="hint">${clientName} wants to know who you are.</p>
        ${error ? html`<p class="alert" role="alert">${error}</p>` : ''}
        <form method="post" action="/interaction/${uid}/login">
          <label for="login">Username</label>
          <input type="text" id="login" name="login" autocomplete="username" autofocus required />
          <label for="password">Password</label>
          <input type="password" id="password" name="password" autocomplete="current-password" required />
          <div><button type="submit">Sign in</button></div>
        </form>
      </div>
      <div class="card">
        <h2>Demo people</h2>
        <p class="hint">Every password is <code>${DEMO_PASSWORD}</code>.</p>
        <table>
          <tr>
            <th>Username</th>
            <td><b>Name, email, groups</b></td>
          </tr>
          ${OIDC_PEOPLE.map(
            (p) =>
              html`<tr>
                <th><code>${p.login}</code></th>
                <td>${fullName(p)}, ${p.email}, ${p.groups.join(', ')}</td>
              </tr>`,
          )}
        </table>
      </div>`,
  });
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new Error('form too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** The base policy, plus: the `login` prompt always asks, unless this request resumes from the form just posted. */
function askEveryTime() {
  const policy = interactionPolicy.base();
  policy
    .get('login')!
    .checks.add(
      new interactionPolicy.Check('demo_asks_every_time', 'the demo IdP asks for the password on every sign-in', (ctx) =>
        ctx.oidc.result ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT,
      ),
    );
  return policy;
}

export async function startDemoOidcProvider(port: number): Promise<DemoOidcProvider> {
  const issuer = `http://${DEMO_HOST}:${port}`;
  const clientId = 'jitbridge-demo';
  const clients = new Map<string, AdapterPayload>();
  const people = new Map(OIDC_PEOPLE.map((p) => [p.login, p]));
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

  const provider = new Provider(issuer, {
    adapter: memoryAdapter(clients) as never,
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'demo-op-1', alg: 'RS256', use: 'sig' }] } as never,
    findAccount: async (_ctx: KoaContextWithOIDC, sub: string) => {
      const person = people.get(sub);
      return person ? { accountId: sub, claims: async () => claimsOf(person) } : undefined;
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username'],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups'],
    // The scopes' claims go into the ID token too, as many enterprise IdPs do.
    conformIdTokenClaims: false,
    interactions: { url: async (_ctx, interaction) => `/interaction/${interaction.uid}`, policy: askEveryTime() },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Grant: 600, Session: 600 },
    cookies: {
      // Fresh keys per start: the OP's sessions live in memory anyway. Own names: cookies ignore ports, and
      // jitbridge and the demo app share 127.0.0.1 with this OP.
      keys: [randomBytes(32).toString('base64url')],
      names: { session: 'demo_op_session', interaction: 'demo_op_interaction', resume: 'demo_op_resume' },
    },
    // Example Corp's own consent screen is not the point of the demo: its one client gets what it asks for.
    async loadExistingGrant(ctx) {
      if (!ctx.oidc.session?.accountId || !ctx.oidc.client) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope([...(ctx.oidc.requestParamScopes as Set<string>)].join(' '));
      await grant.save();
      return grant;
    },
  });
  const callback = provider.callback();

  const interaction = async (req: IncomingMessage, res: ServerResponse, submitted: boolean) => {
    const details = await provider.interactionDetails(req, res);
    const client = await provider.Client.find(String(details.params.client_id));
    const clientName = String(client?.clientName ?? 'jitbridge');
    if (!submitted) {
      res.writeHead(200, pageHeaders()).end(loginPage(details.uid, clientName));
      return;
    }
    const form = await readForm(req);
    const person = findPerson(OIDC_PEOPLE, form.get('login') ?? '', form.get('password') ?? '');
    if (!person) {
      res.writeHead(200, pageHeaders()).end(loginPage(details.uid, clientName, 'Wrong username or password.'));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: person.login, amr: ['pwd'] } }, { mergeWithLastSubmission: false });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(url.pathname);
    const handled = match
      ? interaction(req, res, Boolean(match[2]) && req.method === 'POST')
      : Promise.resolve(callback(req, res) as unknown);
    handled.catch((error: unknown) => {
      if (res.headersSent) return res.end();
      const message = (error as { error_description?: string; message?: string }).error_description ?? (error as Error).message;
      res.writeHead(400, pageHeaders()).end(
        renderPage({
          title: 'Sign-in failed — Example Corp',
          site: OIDC_SITE,
          body: html`<div class="card">
            <h1>This sign-in cannot go on</h1>
            <p class="alert">${message}</p>
            <p class="hint">Start again from the demo app.</p>
          </div>`,
        }),
      );
    });
  });
  await listenOn(server, 'oidc', port);

  return {
    issuer,
    clientId,
    setClient({ clientSecret, redirectUri }) {
      clients.set(clientId, {
        client_id: clientId,
        client_secret: clientSecret,
        client_name: 'jitbridge',
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      });
    },
    stop: () => closeServer(server),
  };
}
