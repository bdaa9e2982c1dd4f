// A cookie-jar HTTP client that behaves like a browser for the code flow: follows redirects by hand,
// keeps cookies by name and path as a browser does (so two interactions' path-scoped cookies of one name
// live side by side; every test server is on 127.0.0.1, so ports share one jar, as in a browser), and can
// post forms. It stops at a URL the caller names (the app's redirect URI).

interface StoredCookie {
  name: string;
  value: string;
  path: string;
  expires: number | null;
}

export interface Hop {
  url: string;
  status: number;
  location: string | null;
}

/** Cookies are keyed by name and path (RFC 6265 §5.3: a cookie replaces the one of the same name, domain and path). */
const cookieKey = (name: string, path: string) => `${name};${path}`;

export class CookieJarBrowser {
  readonly cookies = new Map<string, StoredCookie>();
  readonly hops: Hop[] = [];

  /** The stored cookie of this name (with the longest path when several paths hold one). */
  cookie(name: string): StoredCookie | undefined {
    return [...this.cookies.values()].filter((c) => c.name === name).sort((a, b) => b.path.length - a.path.length)[0];
  }

  /** Stores (or replaces) a cookie as a server would have set it. */
  setCookie(cookie: StoredCookie): void {
    this.cookies.set(cookieKey(cookie.name, cookie.path), cookie);
  }

  private cookieHeader(url: URL): string {
    const now = Date.now();
    const parts: string[] = [];
    for (const cookie of this.cookies.values()) {
      if (cookie.expires !== null && cookie.expires <= now) continue;
      const path = cookie.path.endsWith('/') ? cookie.path : `${cookie.path}/`;
      if (url.pathname === cookie.path || url.pathname.startsWith(path) || cookie.path === '/')
        parts.push(`${cookie.name}=${cookie.value}`);
    }
    return parts.join('; ');
  }

  private store(url: URL, response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';').map((s) => s.trim());
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      let path = url.pathname.replace(/\/[^/]*$/, '') || '/';
      let expires: number | null = null;
      for (const attribute of attributes) {
        const [key, v = ''] = attribute.split('=');
        const k = key!.toLowerCase();
        if (k === 'path') path = v;
        if (k === 'expires') expires = Date.parse(v);
        if (k === 'max-age') expires = Date.now() + Number(v) * 1000;
      }
      if (expires !== null && expires <= Date.now()) this.cookies.delete(cookieKey(name, path));
      else this.setCookie({ name, value, path, expires });
    }
  }

  /** One request, no redirect following. */
  async request(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const headers = new Headers(init.headers);
    const cookie = this.cookieHeader(target);
    if (cookie) headers.set('cookie', cookie);
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    this.store(target, response);
    this.hops.push({ url: target.toString(), status: response.status, location: response.headers.get('location') });
    return response;
  }

  /**
   * Follows redirects from `url` until a response is not a redirect, or the next location starts with
   * `stopAt` (returned without being fetched). Returns the final response and URL.
   */
  async follow(url: string | URL, init: RequestInit = {}, stopAt?: string): Promise<{ response: Response | null; url: string }> {
    let current = new URL(url);
    let response = await this.request(current, init);
    for (let i = 0; i < 20; i++) {
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return { response, url: current.toString() };
      await response.arrayBuffer();
      current = new URL(location, current);
      if (stopAt && current.toString().startsWith(stopAt)) return { response: null, url: current.toString() };
      response = await this.request(current);
    }
    throw new Error('too many redirects');
  }

  /** Posts a urlencoded form and follows the redirects that come back. */
  postForm(url: string | URL, fields: Record<string, string>, stopAt?: string) {
    return this.follow(
      url,
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() },
      stopAt,
    );
  }
}

/** The value of a hidden input in an HTML form. */
export function hiddenField(html: string, name: string): string {
  const match = new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(html) ?? new RegExp(`value="([^"]*)"[^>]*name="${name}"`).exec(html);
  if (!match) throw new Error(`no hidden field ${name}`);
  return match[1]!.replace(/&amp;/g, '&');
}

/** The action of the first form in an HTML page (resolved against the page URL). */
export function formAction(html: string, pageUrl: string, index = 0): string {
  const actions = [...html.matchAll(/<form[^>]*action="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
  if (!actions[index]) throw new Error('no form on the page');
  return new URL(actions[index]!, pageUrl).toString();
}
