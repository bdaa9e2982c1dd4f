// Drives a whole upstream login the way a browser would, with a cookie jar and manual redirects:
// start → upstream login form (posted with the test account) → SAML auto-post form or OIDC redirect → callback
// → the 303 to return_to?login_result=<id>. Returns the login result id and the stored result (not consumed).
import { peekLoginResult, type LoginResultRow } from '../../src/store/login-results-repo.js';
import type { TestServer } from './server.js';
import { UPSTREAM_PASSWORD } from './upstream-op.js';

export class CookieJar {
  private readonly jars = new Map<string, Map<string, string>>();

  store(url: string, response: Response): void {
    const host = new URL(url).host;
    const jar = this.jars.get(host) ?? new Map<string, string>();
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at).trim();
      const value = pair!.slice(at + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || /max-age=0/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    this.jars.set(host, jar);
  }

  header(url: string): string {
    const jar = this.jars.get(new URL(url).host);
    return jar ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : '';
  }
}

export async function send(jar: CookieJar, url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const cookie = jar.header(url);
  if (cookie) headers.set('cookie', cookie);
  const response = await fetch(url, { ...init, headers, redirect: 'manual' });
  jar.store(url, response);
  return response;
}

/** Reads the fields of the first form on a page (action, method, inputs with their values). */
export function readForm(html: string, baseUrl: string): { action: string; method: string; fields: Record<string, string> } | null {
  const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) return null;
  const attr = (source: string, name: string) => new RegExp(`\\b${name}="([^"]*)"`, 'i').exec(source)?.[1];
  const decode = (s: string) =>
    s
      .replace(/&quot;/g, '"')
      .replace(/&#x27;|&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  const fields: Record<string, string> = {};
  for (const input of form[2]!.matchAll(/<input\b([^>]*)>/gi)) {
    const name = attr(input[1]!, 'name');
    if (name) fields[name] = decode(attr(input[1]!, 'value') ?? '');
  }
  return {
    action: new URL(decode(attr(form[1]!, 'action') ?? ''), baseUrl).href,
    method: (attr(form[1]!, 'method') ?? 'get').toLowerCase(),
    fields,
  };
}

export interface FederatedLoginResult {
  /** Where jitbridge sent the person at the end (a path on the server). */
  location: string;
  loginResultId: string;
  result: LoginResultRow;
  jar: CookieJar;
}

export interface FederatedLoginOptions {
  idpId: string;
  /** The upstream account's login name. */
  login: string;
  password?: string;
  returnTo?: string;
  jar?: CookieJar;
  /** Called with the SAMLResponse form before it is posted (a test may change it). */
  beforeAcs?: (fields: Record<string, string>) => Record<string, string> | void;
  /** Called with the OIDC callback URL before it is followed (a test may change or record it). */
  beforeCallback?: (url: URL) => URL | void;
}

/** Thrown when the login stops somewhere else than return_to (a 4xx page, for example). */
export class LoginStopped extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly url: string,
  ) {
    super(`login stopped at ${url} with ${status}: ${body.slice(0, 200)}`);
  }
}

export async function federatedLogin(server: TestServer, options: FederatedLoginOptions): Promise<FederatedLoginResult> {
  const jar = options.jar ?? new CookieJar();
  const returnTo = options.returnTo ?? '/done';
  const returnPath = new URL(returnTo, server.url).pathname;
  let url = `${server.url}/federation/${options.idpId}/start?return_to=${encodeURIComponent(returnTo)}`;
  let init: RequestInit = {};
  for (let step = 0; step < 20; step++) {
    const target = new URL(url);
    if (target.origin === server.url && target.pathname === returnPath) {
      const id = target.searchParams.get('login_result');
      if (!id) throw new Error(`returned to ${url} without a login_result`);
      const result = await peekLoginResult(server.ctx.store.db, id);
      if (!result) throw new Error(`login result ${id} not found`);
      return { location: `${target.pathname}${target.search}`, loginResultId: id, result, jar };
    }
    if (target.origin === server.url && target.pathname.endsWith('/callback') && options.beforeCallback) {
      url = (options.beforeCallback(target) ?? target).href;
    }
    const response = await send(jar, url, init);
    init = {};
    if (response.status >= 300 && response.status < 400) {
      url = new URL(response.headers.get('location')!, url).href;
      continue;
    }
    const body = await response.text();
    if (response.status !== 200) throw new LoginStopped(response.status, body, url);
    const form = readForm(body, url);
    if (!form) throw new LoginStopped(response.status, body, url);
    let fields = form.fields;
    if ('SAMLResponse' in fields) fields = options.beforeAcs?.(fields) ?? fields;
    else fields = { ...fields, login: options.login, password: options.password ?? UPSTREAM_PASSWORD };
    url = form.action;
    init = {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    };
  }
  throw new Error('too many steps in the login');
}
