// A SAML 2.0 service provider for the end-to-end tests, on a random loopback port, built on samlify's SP role: it
// starts SP-initiated sign-ins (HTTP-Redirect, or HTTP-POST through an auto-submitting form), validates jitbridge's
// Response at its ACS with samlify (signature, audience, recipient, InResponseTo) and shows what it read, and speaks
// Single Logout over HTTP-Redirect both ways (signed, as jitbridge requires). Pages carry the result as JSON in
// <pre id="result"> so a browser test can read it.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import samlifyModule from 'samlify';
import * as xmllint from '@authenio/samlify-node-xmllint';
import type { TestServer } from './server.js';

const samlify = samlifyModule as unknown as typeof import('samlify');
samlify.setSchemaValidator({ validate: (xmllint as unknown as { validate: (xml: string) => Promise<unknown> }).validate });

const pem = (name: string) => readFileSync(new URL(`./saml-keys/${name}.pem`, import.meta.url), 'utf8');
export const SP_CERT = pem('idp-cert');
const SP_KEY = pem('idp-key');
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

/** What the SP read from one validated Response. */
export interface SpSignIn {
  nameId: string;
  nameIdFormat: string | null;
  sessionIndex: string;
  attributes: Record<string, string | string[]>;
  authnContextClassRef: string | null;
  inResponseTo: string | null;
  relayState: string | null;
}

export interface TestSamlSp {
  url: string;
  entityId: string;
  acsUrl: string;
  sloUrl: string;
  /** Every sign-in the ACS accepted, in order. */
  signIns: SpSignIn[];
  /** LogoutRequests jitbridge sent (IdP-initiated SLO), by NameID. */
  loggedOutByIdp: string[];
  /** The admin API body that registers this SP in jitbridge. */
  registration(extra?: Record<string, unknown>): Record<string, unknown>;
  /** Reads jitbridge's metadata and current signing key (call after registering, before the first sign-in). */
  trust(server: TestServer): Promise<void>;
  stop(): Promise<void>;
}

const page = (title: string, result: unknown, body = '') =>
  `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${body}<pre id="result">${JSON.stringify(
    result,
  ).replace(/</g, '\\u003c')}</pre></body></html>`;

async function readBody(req: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
}

const octetOf = (url: URL) => url.search.slice(1).split('&Signature=')[0]!;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export async function startSamlSp(name: string, options: { signRequests?: boolean } = {}): Promise<TestSamlSp> {
  let base = '';
  // jitbridge as samlify sees it: from its metadata (POST responses), and with its current key alone for
  // HTTP-Redirect signatures (samlify's Redirect verifier takes one certificate).
  let idp: ReturnType<typeof samlify.IdentityProvider> | undefined;
  let idpRedirect: ReturnType<typeof samlify.IdentityProvider> | undefined;
  let sp: ReturnType<typeof samlify.ServiceProvider>;

  const sessions = new Map<string, SpSignIn>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', base);
    const html = (body: string, status = 200) => res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(body);
    const redirect = (to: string) => res.writeHead(302, { location: to }).end();
    if (url.pathname === '/login') {
      const relayState = url.searchParams.get('relay') ?? '';
      const extra = { relayState, forceAuthn: url.searchParams.get('force') === '1' } as never;
      if (url.searchParams.get('binding') === 'post') {
        const request = sp.createLoginRequest(idp!, 'post', extra) as unknown as {
          context: string;
          entityEndpoint: string;
          relayState?: string;
        };
        const fields = { SAMLRequest: request.context, ...(relayState ? { RelayState: relayState } : {}) };
        return html(
          `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>To jitbridge</title></head><body><form method="post" action="${esc(
            request.entityEndpoint,
          )}">${Object.entries(fields)
            .map(([k, v]) => `<input type="hidden" name="${k}" value="${esc(v)}">`)
            .join('')}<button>Continue</button></form><script>document.forms[0].submit()</script></body></html>`,
        );
      }
      const request = sp.createLoginRequest(idp!, 'redirect', extra) as unknown as { context: string };
      return redirect(request.context);
    }
    if (url.pathname === '/acs' && req.method === 'POST') {
      const body = await readBody(req);
      try {
        const parsed = (await sp.parseLoginResponse(idp!, 'post', { body } as never)) as {
          extract: Record<string, any>;
          samlContent: string;
        };
        const { extract } = parsed;
        const signIn: SpSignIn = {
          nameId: extract.nameID,
          nameIdFormat: /NameID[^>]*Format="([^"]+)"/.exec(parsed.samlContent)?.[1] ?? null,
          sessionIndex: extract.sessionIndex?.sessionIndex,
          attributes: extract.attributes ?? {},
          authnContextClassRef: /AuthnContextClassRef>([^<]+)</.exec(parsed.samlContent)?.[1] ?? null,
          inResponseTo: extract.response?.inResponseTo ?? null,
          relayState: body.RelayState ?? null,
        };
        sp_.signIns.push(signIn);
        sessions.set(signIn.nameId, signIn);
        return html(page('Signed in at the SP', signIn));
      } catch (error) {
        const status = /StatusCode[^>]*Value="[^"]*:status:(\w+)"[^/]*\/?>(?:\s*<[^>]*StatusCode[^>]*Value="[^"]*:status:(\w+)")?/.exec(
          Buffer.from(body.SAMLResponse ?? '', 'base64').toString('utf8'),
        );
        return html(page('Refused by the SP', { error: String(error), status: status?.slice(1).filter(Boolean) ?? [] }), 400);
      }
    }
    if (url.pathname === '/logout') {
      const signIn = sp_.signIns.at(-1)!;
      const request = sp.createLogoutRequest(
        idp!,
        'redirect',
        { logoutNameID: signIn.nameId, sessionIndex: signIn.sessionIndex } as never,
        { relayState: 'sp-logout' } as never,
      ) as unknown as { context: string };
      return redirect(request.context);
    }
    if (url.pathname === '/slo') {
      const query = Object.fromEntries(url.searchParams);
      if (query.SAMLRequest) {
        const parsed = (await sp.parseLogoutRequest(idpRedirect!, 'redirect', { query, octetString: octetOf(url) } as never)) as {
          extract: Record<string, any>;
        };
        sp_.loggedOutByIdp.push(parsed.extract.nameID);
        sessions.delete(parsed.extract.nameID);
        const answer = sp.createLogoutResponse(idp!, parsed, 'redirect', { relayState: query.RelayState } as never) as unknown as {
          context: string;
        };
        return redirect(answer.context);
      }
      const parsed = (await sp.parseLogoutResponse(idpRedirect!, 'redirect', { query, octetString: octetOf(url) } as never)) as {
        samlContent: string;
      };
      const status = /StatusCode Value="[^"]*:status:(\w+)"/.exec(parsed.samlContent)?.[1];
      return html(page('Signed out at the SP', { status, relayState: query.RelayState ?? null }));
    }
    res.writeHead(404).end();
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const entityId = `${base}/metadata/${name}`;
  sp = samlify.ServiceProvider({
    entityID: entityId,
    assertionConsumerService: [{ Binding: POST, Location: `${base}/acs` }],
    singleLogoutService: [{ Binding: REDIRECT, Location: `${base}/slo` }],
    authnRequestsSigned: options.signRequests ?? false,
    wantAssertionsSigned: true,
    nameIDFormat: ['urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'],
    signingCert: SP_CERT,
    privateKey: SP_KEY,
    requestSignatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    wantLogoutResponseSigned: true,
    wantLogoutRequestSigned: true,
  } as Parameters<typeof samlify.ServiceProvider>[0]);

  const sp_: TestSamlSp = {
    url: base,
    entityId,
    acsUrl: `${base}/acs`,
    sloUrl: `${base}/slo`,
    signIns: [],
    loggedOutByIdp: [],
    registration: (extra = {}) => ({
      protocol: 'saml',
      name: `SP ${name}`,
      saml: {
        entityId,
        assertionConsumerServices: [{ url: `${base}/acs` }],
        singleLogoutService: { binding: 'HTTP-Redirect', url: `${base}/slo` },
        signingCertificates: [SP_CERT],
        ...(options.signRequests ? { wantAuthnRequestsSigned: true } : {}),
        ...extra,
      },
    }),
    async trust(jitbridge) {
      let metadata = await (await fetch(`${jitbridge.url}/saml/metadata`)).text();
      if (options.signRequests) metadata = metadata.replace('WantAuthnRequestsSigned="false"', 'WantAuthnRequestsSigned="true"');
      idp = samlify.IdentityProvider({ metadata, wantLogoutRequestSigned: true, wantLogoutResponseSigned: true } as never);
      const keys = (await (await jitbridge.admin('GET', '/api/v1/saml-idp/keys')).json()) as {
        items: { status: string; certificate: string }[];
      };
      idpRedirect = samlify.IdentityProvider({
        entityID: `${jitbridge.url}/saml/metadata`,
        signingCert: keys.items.find((k) => k.status === 'current')!.certificate,
        singleSignOnService: [{ Binding: REDIRECT, Location: `${jitbridge.url}/saml/sso` }],
        singleLogoutService: [{ Binding: REDIRECT, Location: `${jitbridge.url}/saml/slo` }],
        wantLogoutRequestSigned: true,
        wantLogoutResponseSigned: true,
      } as never);
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return sp_;
}
