// The demo's upstream SAML 2.0 IdP ("Partner Inc") on samlify's IdP role: metadata at /metadata, the HTTP-Redirect
// SSO endpoint at /sso with a sign-in form, and the answer as a signed Response sent through the HTTP-POST binding.
// It answers only service providers it was told about (jitbridge's SP metadata) and only at their registered ACS.
// No single sign-on: every AuthnRequest shows the form, and /slo has nothing to end. All samlify use of the demo
// lives in this file.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import * as xmllint from '@authenio/samlify-node-xmllint';
import { Hono, type Context } from 'hono';
import samlifyModule from 'samlify';
import { escapeHtml, html, newNonce, pageHeaders, renderPage } from './html.js';
import { DEMO_PASSWORD, findPerson, fullName, SAML_PEOPLE, type DemoPerson } from './people.js';
import { closeServer, DEMO_HOST, listenOn } from './ports.js';
import { selfSignedKey } from '../saml-idp/index.js';

type Samlify = typeof import('samlify');
const samlify = samlifyModule as unknown as Samlify & {
  SamlLib: { replaceTagsByValue(xml: string, values: Record<string, string>): string };
};
type SpEntity = ReturnType<Samlify['ServiceProvider']>;

const BINDING_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const BASIC = 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic';
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const PASSWORD_PROTECTED = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';

export const SAML_SITE = { name: 'Partner Inc — demo SAML IdP', colour: '#0b6e4f' };

export interface DemoSamlIdp {
  entityId: string;
  metadata: string;
  /** Trusts a service provider from its metadata (jitbridge's, once its IdP exists); replaces one of the same entity ID. */
  trustServiceProvider(metadataXml: string): void;
  stop(): Promise<void>;
}

let validatorSet = false;
function ensureSchemaValidator() {
  if (validatorSet) return;
  const module = xmllint as unknown as {
    validate?: (xml: string) => Promise<unknown>;
    default?: { validate: (xml: string) => Promise<unknown> };
  };
  samlify.setSchemaValidator({ validate: module.validate ?? module.default!.validate });
  validatorSet = true;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const xmlAttribute = (name: string, values: string[]) =>
  `<saml:Attribute Name="${escapeHtml(name)}" NameFormat="${BASIC}">${values
    .map((v) => `<saml:AttributeValue xsi:type="xs:string">${escapeHtml(v)}</saml:AttributeValue>`)
    .join('')}</saml:Attribute>`;

/** What Partner Inc says about a person: the attribute names most SAML IdPs use (jitbridge's default mappings read them). */
function attributeStatement(person: DemoPerson): string {
  return `<saml:AttributeStatement>${[
    xmlAttribute('uid', [person.login]),
    xmlAttribute('mail', [person.email]),
    xmlAttribute('givenName', [person.givenName]),
    xmlAttribute('sn', [person.familyName]),
    xmlAttribute('displayName', [fullName(person)]),
    xmlAttribute('groups', person.groups),
  ].join('')}</saml:AttributeStatement>`;
}

interface ParsedRequest {
  sp: SpEntity;
  requestId: string;
}

function signInPage(fields: { SAMLRequest: string; RelayState: string }, error?: string): string {
  return renderPage({
    title: 'Sign in — Partner Inc',
    site: SAML_SITE,
    body: html`<div class="card">
        <h1>Sign in to Partner Inc</h1>
        <p class="hint">jitbridge asked Partner Inc who you are (SAML 2.0).</p>
        ${error ? html`<p class="alert" role="alert">${error}</p>` : ''}
        <form method="post" action="/sso">
          <input type="hidden" name="SAMLRequest" value="${fields.SAMLRequest}" />
          <input type="hidden" name="RelayState" value="${fields.RelayState}" />
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
          ${SAML_PEOPLE.map(
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

function errorPage(message: string): string {
  return renderPage({
    title: 'Sign-in failed — Partner Inc',
    site: SAML_SITE,
    body: html`<div class="card">
      <h1>Partner Inc cannot answer this request</h1>
      <p class="alert">${message}</p>
      <p class="hint">Start again from the demo app.</p>
    </div>`,
  });
}

export async function startDemoSamlIdp(port: number): Promise<DemoSamlIdp> {
  ensureSchemaValidator();
  const base = `http://${DEMO_HOST}:${port}`;
  const entityId = `${base}/metadata`;
  // A key of this run only: jitbridge learns its certificate from the metadata the demo configures it with.
  const signing = await selfSignedKey({ bits: 2048, commonName: 'Partner Inc demo SAML IdP (demo only)', years: 1 });
  const idp = samlify.IdentityProvider({
    entityID: entityId,
    signingCert: signing.certificatePem,
    privateKey: signing.privateKeyPem,
    nameIDFormat: [PERSISTENT],
    singleSignOnService: [{ Binding: BINDING_REDIRECT, Location: `${base}/sso` }],
    singleLogoutService: [{ Binding: BINDING_REDIRECT, Location: `${base}/slo` }],
    wantAuthnRequestsSigned: false,
  });
  const metadata = idp.getMetadata();
  const serviceProviders = new Map<string, SpEntity>();

  type Extract = { issuer?: string; request?: { id?: string; assertionConsumerServiceUrl?: string } };
  /** Reads an HTTP-Redirect request with samlify; its issuer must be a known SP. */
  const read = async (kind: 'login' | 'logout', query: { SAMLRequest: string; RelayState: string }) => {
    const someSp = serviceProviders.values().next().value as SpEntity | undefined;
    if (!someSp) throw new Error('No service provider is registered with this IdP yet.');
    let result: { extract: Extract };
    try {
      // Requests are not signed (this IdP does not ask for it), so any SP entity can parse; the issuer picks the SP.
      const parsed =
        kind === 'login'
          ? idp.parseLoginRequest(someSp, 'redirect', { query } as never)
          : idp.parseLogoutRequest(someSp, 'redirect', { query } as never);
      result = (await parsed) as unknown as typeof result;
    } catch (error) {
      throw new Error(`The SAML request is not valid (${(error as Error).message}).`, { cause: error });
    }
    const issuer = result.extract.issuer ?? '';
    const sp = serviceProviders.get(issuer);
    if (!sp) throw new Error(`The service provider ${issuer || '(unnamed)'} is not known to Partner Inc.`);
    return { sp, result };
  };

  /** An AuthnRequest from a known SP, asking (if at all) for an answer at that SP's own ACS. */
  const parse = async (query: { SAMLRequest: string; RelayState: string }): Promise<ParsedRequest> => {
    const { sp, result } = await read('login', query);
    const acs = result.extract.request?.assertionConsumerServiceUrl;
    const registered = sp.entityMeta.getAssertionConsumerService('post') as string;
    if (acs && acs !== registered) throw new Error(`The request asks for an answer at ${acs}, which is not the SP's registered ACS.`);
    return { sp, requestId: result.extract.request?.id ?? '' };
  };

  const respond = async (request: ParsedRequest, person: DemoPerson, relayState: string) => {
    const now = Date.now();
    const acs = request.sp.entityMeta.getAssertionConsumerService('post') as string;
    const customTagReplacement = (template: string) => {
      const id = `_${randomUUID()}`;
      const context = samlify.SamlLib.replaceTagsByValue(template, {
        ID: id,
        AssertionID: `_${randomUUID()}`,
        Destination: acs,
        Audience: request.sp.entityMeta.getEntityID(),
        SubjectRecipient: acs,
        Issuer: entityId,
        IssueInstant: iso(now),
        StatusCode: SUCCESS,
        ConditionsNotBefore: iso(now - 30_000),
        ConditionsNotOnOrAfter: iso(now + 300_000),
        SubjectConfirmationDataNotOnOrAfter: iso(now + 300_000),
        NameIDFormat: PERSISTENT,
        NameID: person.login,
        InResponseTo: request.requestId,
      })
        .replace(
          '{AuthnStatement}',
          `<saml:AuthnStatement AuthnInstant="${iso(now)}" SessionIndex="_${randomUUID()}"><saml:AuthnContext><saml:AuthnContextClassRef>${PASSWORD_PROTECTED}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`,
        )
        .replace('{AttributeStatement}', attributeStatement(person));
      return { id, context };
    };
    const answer = (await idp.createLoginResponse(request.sp, { extract: { request: { id: request.requestId } } } as never, 'post', {}, {
      relayState,
      customTagReplacement,
    } as never)) as { context: string; entityEndpoint: string };
    return { acs: answer.entityEndpoint, samlResponse: answer.context };
  };

  const app = new Hono();
  const page = (c: Context, body: string, status: 200 | 400 = 200, nonce?: string) => c.body(body, status, pageHeaders(nonce));

  app.get('/metadata', (c) => c.body(metadata, 200, { 'content-type': 'application/samlmetadata+xml' }));

  app.get('/sso', async (c) => {
    const fields = { SAMLRequest: c.req.query('SAMLRequest') ?? '', RelayState: c.req.query('RelayState') ?? '' };
    try {
      await parse(fields);
      return page(c, signInPage(fields));
    } catch (error) {
      return page(c, errorPage((error as Error).message), 400);
    }
  });

  app.post('/sso', async (c) => {
    const form = await c.req.parseBody();
    const fields = { SAMLRequest: String(form.SAMLRequest ?? ''), RelayState: String(form.RelayState ?? '') };
    let request: ParsedRequest;
    try {
      request = await parse(fields);
    } catch (error) {
      return page(c, errorPage((error as Error).message), 400);
    }
    const person = findPerson(SAML_PEOPLE, String(form.login ?? ''), String(form.password ?? ''));
    if (!person) return page(c, signInPage(fields, 'Wrong username or password.'));
    const { acs, samlResponse } = await respond(request, person, fields.RelayState);
    // The HTTP-POST binding (SAML Bindings §3.5): a form the browser posts to the SP; the script only saves a click.
    const nonce = newNonce();
    return page(
      c,
      renderPage({
        title: 'Back to jitbridge — Partner Inc',
        site: SAML_SITE,
        nonce,
        script: 'document.forms[0].submit()',
        body: html`<div class="card">
          <h1>Signed in as ${fullName(person)}</h1>
          <p class="hint">Taking you back to jitbridge…</p>
          <form method="post" action="${acs}">
            <input type="hidden" name="SAMLResponse" value="${samlResponse}" />
            ${fields.RelayState ? html`<input type="hidden" name="RelayState" value="${fields.RelayState}" />` : ''}
            <button type="submit">Continue</button>
          </form>
        </div>`,
      }),
      200,
      nonce,
    );
  });

  // Single logout (SAML Profiles §4.4): this IdP keeps no session, so every logout has already happened. An SP that
  // declares an HTTP-Redirect SLO endpoint gets its LogoutResponse (Success); otherwise the person sees a page.
  app.get('/slo', async (c) => {
    const query = { SAMLRequest: c.req.query('SAMLRequest') ?? '', RelayState: c.req.query('RelayState') ?? '' };
    const signedOut = () =>
      page(
        c,
        renderPage({
          title: 'Signed out — Partner Inc',
          site: SAML_SITE,
          body: html`<div class="card">
            <h1>You are signed out of Partner Inc</h1>
            <p class="hint">It keeps no session: every sign-in asks for the password.</p>
          </div>`,
        }),
      );
    if (!query.SAMLRequest) return signedOut();
    let request: Awaited<ReturnType<typeof read>>;
    try {
      request = await read('logout', query);
    } catch (error) {
      return page(c, errorPage((error as Error).message), 400);
    }
    const slo = request.sp.entityMeta.getSingleLogoutService('redirect');
    if (typeof slo !== 'string' || !slo) return signedOut();
    const answer = idp.createLogoutResponse(request.sp, request.result as never, 'redirect', query.RelayState) as { context: string };
    return c.redirect(answer.context, 303);
  });

  const server = createServer(getRequestListener(app.fetch));
  await listenOn(server, 'saml', port);

  return {
    entityId,
    metadata,
    trustServiceProvider(metadataXml) {
      const sp = samlify.ServiceProvider({ metadata: metadataXml });
      serviceProviders.set(sp.entityMeta.getEntityID(), sp);
    },
    stop: () => closeServer(server),
  };
}
