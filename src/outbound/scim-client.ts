// A small SCIM 2.0 client (RFC 7644) over fetch: the few requests outbound provisioning makes, with
// timeouts, the bearer token from a TokenSource, and errors that say whether a retry may help.
import { outboundRefusalOf, type OutboundRefusalCode } from '../net/index.js';
import { parseRetryAfter } from './backoff.js';
import { TokenError, type TokenSource } from './token-source.js';

export const SCIM_JSON = 'application/scim+json';
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const BULK_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

export class ScimRequestError extends Error {
  override name = 'ScimRequestError';
  constructor(
    message: string,
    /** HTTP status, or null when no answer came (network error, timeout). */
    readonly status: number | null,
    /** From Retry-After on 429/503. */
    readonly retryAfterMs: number | null = null,
    readonly scimType: string | null = null,
    /** Set when the request never left: the outbound network rules refused it (src/net). */
    readonly refusal: OutboundRefusalCode | null = null,
  ) {
    super(message);
  }

  /** Transient: no answer, 408, 429, 5xx, and 401/403 (credentials may be fixed or a token renewed). */
  get retryable(): boolean {
    if (this.refusal) return false;
    return (
      this.status === null || this.status === 408 || this.status === 429 || this.status >= 500 || this.status === 401 || this.status === 403
    );
  }
}

export interface ServiceProviderConfig {
  patch: { supported: boolean };
  bulk: { supported: boolean; maxOperations: number; maxPayloadSize: number };
  filter: { supported: boolean; maxResults: number };
  [key: string]: unknown;
}

export interface ScimResource {
  id: string;
  [key: string]: unknown;
}

export interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  path?: string;
  value?: unknown;
}

export interface BulkOperation {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  bulkId?: string;
  data?: unknown;
}

export interface BulkResult {
  method: string;
  bulkId?: string;
  location?: string;
  status: string | number;
  response?: { detail?: string; scimType?: string; status?: string | number };
}

export interface ScimClientOptions {
  baseUrl: string;
  tokens: TokenSource;
  timeoutMs: number;
  fetch?: typeof fetch;
}

export class ScimClient {
  private readonly base: string;
  private readonly doFetch: typeof fetch;

  constructor(private readonly options: ScimClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.doFetch = options.fetch ?? fetch;
  }

  async serviceProviderConfig(): Promise<ServiceProviderConfig> {
    return (await this.request('GET', '/ServiceProviderConfig')) as ServiceProviderConfig;
  }

  async create(type: 'Users' | 'Groups', resource: unknown): Promise<ScimResource> {
    return (await this.request('POST', `/${type}`, resource)) as ScimResource;
  }

  async patch(type: 'Users' | 'Groups', id: string, operations: PatchOperation[]): Promise<ScimResource | null> {
    return (await this.request('PATCH', `/${type}/${encodeURIComponent(id)}`, {
      schemas: [PATCH_OP_SCHEMA],
      Operations: operations,
    })) as ScimResource | null;
  }

  async delete(type: 'Users' | 'Groups', id: string): Promise<void> {
    await this.request('DELETE', `/${type}/${encodeURIComponent(id)}`);
  }

  /** The first resource matching a filter (RFC 7644 §3.4.2.2), or null. */
  async findOne(type: 'Users' | 'Groups', filter: string): Promise<ScimResource | null> {
    const query = new URLSearchParams({ filter, count: '2', attributes: 'id' });
    const list = (await this.request('GET', `/${type}?${query}`)) as { Resources?: ScimResource[] };
    return list.Resources?.[0] ?? null;
  }

  /** No failOnErrors: every operation is tried (RFC 7644 §3.7.3), each answered on its own. */
  async bulk(operations: BulkOperation[]): Promise<BulkResult[]> {
    const answer = (await this.request('POST', '/Bulk', { schemas: [BULK_REQUEST_SCHEMA], Operations: operations })) as {
      Operations?: BulkResult[];
    };
    return answer.Operations ?? [];
  }

  /** One request; a 401 renews an OAuth token once. Throws ScimRequestError on anything but 2xx. */
  async request(method: string, path: string, body?: unknown, retriedAuth = false): Promise<unknown> {
    let token: string;
    try {
      token = await this.options.tokens.token();
    } catch (error) {
      const refusal = outboundRefusalOf(error);
      if (refusal) throw new ScimRequestError(`token endpoint: ${refusal.message}`, null, null, null, refusal.code);
      const status = error instanceof TokenError ? error.status : null;
      throw new ScimRequestError(`credentials: ${(error as Error).message}`, status === null || status >= 500 ? null : 401);
    }
    let response: Response;
    try {
      response = await this.doFetch(`${this.base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: `${SCIM_JSON}, application/json`,
          ...(body === undefined ? {} : { 'content-type': SCIM_JSON }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      const refusal = outboundRefusalOf(error);
      if (refusal) throw new ScimRequestError(`${method} ${path}: ${refusal.message}`, null, null, null, refusal.code);
      const reason = (error as Error).name === 'TimeoutError' ? `timed out after ${this.options.timeoutMs} ms` : (error as Error).message;
      throw new ScimRequestError(`${method} ${path}: ${reason}`, null);
    }
    const text = await response.text().catch(() => '');
    if (response.status === 401 && !retriedAuth) {
      this.options.tokens.invalidate();
      return this.request(method, path, body, true);
    }
    if (!response.ok) {
      // Only a SCIM error's own detail is kept, never a raw body: the message reaches admin answers (lastError).
      let detail = '';
      let scimType: string | null = null;
      try {
        const json = JSON.parse(text) as { detail?: unknown; scimType?: unknown };
        if (typeof json.detail === 'string') detail = json.detail.slice(0, 300);
        if (typeof json.scimType === 'string') scimType = json.scimType;
      } catch {
        // not JSON: nothing of it is kept
      }
      const retryAfter = response.status === 429 || response.status === 503 ? parseRetryAfter(response.headers.get('retry-after')) : null;
      throw new ScimRequestError(`${method} ${path}: ${response.status} ${detail}`.trim(), response.status, retryAfter, scimType);
    }
    if (!text) return null;
    try {
      return JSON.parse(text);
    } catch {
      throw new ScimRequestError(`${method} ${path}: answer is not JSON`, response.status);
    }
  }
}

/** A SCIM filter string literal (RFC 7644 §3.4.2.2: JSON string rules). */
export const scimString = (value: string) => JSON.stringify(value);
