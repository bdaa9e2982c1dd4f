// A SCIM client for tests: a token made through the admin API, and fetch with SCIM headers.
import type { TestServer } from './server.js';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const SEARCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
export const BULK_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

export interface ScimTestClient {
  id: string;
  token: string;
  /** fetch /scim/v2{path}; objects are sent as application/scim+json, strings as they are. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  /** call() and parse the JSON answer. */
  json<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T; headers: Headers }>;
}

export async function createScimClient(
  server: TestServer,
  options: { name?: string; scopes?: string[]; userStores?: string[] | null } = {},
): Promise<ScimTestClient> {
  const response = await server.admin('POST', '/api/v1/scim-clients', {
    name: options.name ?? 'test client',
    ...(options.scopes ? { scopes: options.scopes } : {}),
    ...(options.userStores !== undefined ? { userStores: options.userStores } : {}),
  });
  if (response.status !== 201) throw new Error(`creating a SCIM client failed: ${response.status} ${await response.text()}`);
  const created = (await response.json()) as { id: string; token: string };
  return scimClientFor(server, created.token, created.id);
}

export function scimClientFor(server: TestServer, token: string, id = ''): ScimTestClient {
  const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/scim/v2${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/scim+json',
        ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  // A pooled keep-alive connection the server closed while idle (after a slow setup) fails once with
  // ECONNRESET: reads are retried on a fresh connection; writes never are.
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    try {
      return await send(method, path, body, headers);
    } catch (error) {
      if (method !== 'GET' || (error as { cause?: { code?: string } }).cause?.code !== 'ECONNRESET') throw error;
      return send(method, path, body, headers);
    }
  };
  return {
    id,
    token,
    call,
    json: async (method, path, body, headers) => {
      const response = await call(method, path, body, headers);
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
    },
  };
}

export const newUser = (userName: string, extra: Record<string, unknown> = {}) => ({ schemas: [USER_SCHEMA], userName, ...extra });
