// A small SCIM 2.0 server for outbound tests that misbehaves on a schedule: it answers 500, 429 with
// Retry-After, or never answers (the client times out), and records what it applied, per user, in order.
// It is strict where delivery must be right: unique userName (409), filters on externalId and userName,
// bearer token checked.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string }
  /** Hold the request open without an answer (the client times out); `apply` first makes the change. */
  | { kind: 'hang'; apply?: boolean };

export interface AppliedOp {
  method: string;
  externalId: string | null;
  /** The user's `title` after the op (tests put a version counter there), or null on delete. */
  title: string | null;
  at: number;
}

export interface FakeScimServer {
  url: string;
  users: Map<string, Record<string, unknown>>;
  applied: AppliedOp[];
  /** `at`: when the request arrived; `answeredAt`: when it was answered (0 = never). */
  requests: Array<{ method: string; path: string; status: number; at: number; answeredAt: number }>;
  /** Decides the fate of each request (n counts from 1); return null to answer normally. */
  faults: (request: { method: string; path: string; n: number; body: unknown }) => Fault | null;
  token: string;
  bulk: boolean;
  /** Added before every answer, to make a downstream slow. */
  latencyMs: number;
  close(): Promise<void>;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/scim+json', ...headers });
  res.end(body === undefined ? undefined : JSON.stringify(body));
};
const error = (res: ServerResponse, status: number, detail: string, scimType?: string) =>
  json(res, status, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
    status: String(status),
    detail,
    ...(scimType ? { scimType } : {}),
  });

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

export async function startFakeScimServer(options: { token?: string; bulk?: boolean } = {}): Promise<FakeScimServer> {
  const hanging = new Set<ServerResponse>();
  const state: Omit<FakeScimServer, 'url' | 'close'> = {
    users: new Map(),
    applied: [],
    requests: [],
    faults: () => null,
    token: options.token ?? 'downstream-token',
    bulk: options.bulk ?? false,
    latencyMs: 0,
  };
  let n = 0;

  const record = (method: string, user: Record<string, unknown> | null, externalId: string | null) =>
    state.applied.push({ method, externalId, title: user ? ((user.title as string | undefined) ?? null) : null, at: Date.now() });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const arrived = Date.now();
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    if (state.latencyMs > 0) await new Promise((r) => setTimeout(r, state.latencyMs));
    const fault = state.faults({ method, path: url.pathname, n: ++n, body });
    const done = (status: number) =>
      state.requests.push({ method, path: url.pathname, status, at: arrived, answeredAt: status ? Date.now() : 0 });
    if (fault?.kind === 'status') {
      done(fault.status);
      return json(
        res,
        fault.status,
        { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(fault.status), detail: 'scheduled fault' },
        fault.retryAfter ? { 'retry-after': fault.retryAfter } : {},
      );
    }
    if (req.headers.authorization !== `Bearer ${state.token}`) {
      done(401);
      return error(res, 401, 'bad token');
    }
    const answer = (status: number, payload?: unknown) => {
      done(status);
      if (fault?.kind === 'hang') {
        hanging.add(res);
        return;
      }
      if (status === 204) {
        res.writeHead(204);
        res.end();
      } else json(res, status, payload);
    };
    if (fault?.kind === 'hang' && !fault.apply) {
      done(0);
      hanging.add(res);
      return;
    }

    if (url.pathname === '/ServiceProviderConfig') {
      return answer(200, {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
        patch: { supported: true },
        bulk: { supported: state.bulk, maxOperations: 100, maxPayloadSize: 1048576 },
        filter: { supported: true, maxResults: 200 },
      });
    }
    const userPath = /^\/Users(?:\/([^/]+))?$/.exec(url.pathname);
    if (!userPath) return answer(404, { detail: 'no such endpoint' });
    const id = userPath[1] ? decodeURIComponent(userPath[1]) : null;
    const byName = (name: string) => [...state.users.values()].find((u) => String(u.userName).toLowerCase() === name.toLowerCase());

    if (method === 'GET' && !id) {
      const filter = url.searchParams.get('filter') ?? '';
      const match = /^(externalId|userName) eq "(.*)"$/.exec(filter);
      const found = match
        ? [...state.users.values()].filter((u) =>
            match[1] === 'userName' ? String(u.userName).toLowerCase() === match[2]!.toLowerCase() : u.externalId === match[2],
          )
        : [...state.users.values()];
      return answer(200, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
        totalResults: found.length,
        Resources: found.slice(0, Number(url.searchParams.get('count') ?? 100)),
      });
    }
    if (method === 'POST' && !id) {
      const user = body as Record<string, unknown>;
      if (byName(String(user.userName))) {
        done(409);
        return error(res, 409, 'userName taken', 'uniqueness');
      }
      const created = { ...user, id: randomUUID() };
      state.users.set(created.id, created);
      record('POST', created, (user.externalId as string) ?? null);
      return answer(201, created);
    }
    const user = id ? state.users.get(id) : undefined;
    if (!user) {
      done(404);
      return error(res, 404, 'no such user');
    }
    if (method === 'PATCH') {
      for (const op of (body as { Operations: Array<{ op: string; path?: string; value?: unknown }> }).Operations) {
        if (op.op === 'replace' && !op.path) Object.assign(user, op.value as object);
        else if (op.path) user[op.path] = op.op === 'remove' ? undefined : op.value;
      }
      record('PATCH', user, (user.externalId as string) ?? null);
      return answer(200, user);
    }
    if (method === 'DELETE') {
      state.users.delete(user.id as string);
      record('DELETE', null, (user.externalId as string) ?? null);
      return answer(204);
    }
    return answer(405, { detail: 'method not allowed' });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) error(res, 500, String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const fake = state as FakeScimServer;
  fake.url = `http://127.0.0.1:${port}`;
  fake.close = async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return fake;
}
