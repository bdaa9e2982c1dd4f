// The seam between our keyed client secret hashes and oidc-provider's own comparison (no patch of its prototypes):
// the client's `client_secret` metadata is the stored keyed hash (clients.ts), and before a request reaches
// oidc-provider every presented client secret (Basic authorization header, or `client_secret` in a form body) is
// replaced by its keyed hash. oidc-provider then compares two digests in constant time, whichever endpoint
// authenticates the client (token, introspection, revocation, or one enabled later). A stolen stored hash is no
// credential: presented, it is hashed again.
//
// A form body is read here (bounded like oidc-provider's own reader) and handed on as `req.body`, which
// oidc-provider documents as its input for bodies parsed in front of it.
//
// Secrets stored in the scrypt format of earlier versions cannot be rehashed without the secret: when one is
// presented, it is checked once on the slow path (under the process-wide limit, password-hash-slots.ts) and, if
// right, the stored hash is replaced by the keyed hash, so the next request takes the fast path.
import type { IncomingMessage } from 'node:http';
import { invalidateCache } from '../cache/index.js';
import {
  findApplicationByClientIdCached,
  hashClientSecret,
  isScryptHash,
  type Store,
  upgradeClientSecretHash,
  verifyPassword,
} from '../store/index.js';
import { AppError } from '../domain/index.js';

/** oidc-provider's own limit for the bodies it reads (lib/shared/selective_body.js). */
export const MAX_OIDC_FORM_BYTES = 56 * 1024;
const MAX_SECRET_CHARS = 512;

async function digestOf(store: Store, clientId: string | undefined, secret: string): Promise<string> {
  const digest = hashClientSecret(store.secrets, secret);
  if (!clientId || secret.length > MAX_SECRET_CHARS) return digest;
  const app = await findApplicationByClientIdCached(store.db, clientId);
  const stored = app?.clientSecretHash;
  if (app && stored && isScryptHash(stored) && (await verifyPassword(secret, stored))) {
    await upgradeClientSecretHash(store.db, app.id, stored, digest);
    // Also when another instance upgraded it first: this instance's cached row still has the old hash.
    invalidateCache(store.db, 'applications', clientId);
  }
  return digest;
}

// RFC 6749 §2.3.1: client_id and client_secret are form-urlencoded before Basic encoding; decoded as oidc-provider does.
const decode = (value: string) => decodeURIComponent(value.replace(/\+/g, '%20'));

async function digestBasic(store: Store, header: string): Promise<string | undefined> {
  const [scheme, token, ...rest] = header.split(' ');
  if (rest.length > 0 || scheme?.toLowerCase() !== 'basic' || !token) return undefined;
  const basic = Buffer.from(token, 'base64').toString('utf8');
  const colon = basic.indexOf(':');
  if (colon < 0) return undefined;
  let clientId: string;
  let secret: string;
  try {
    clientId = decode(basic.slice(0, colon));
    secret = decode(basic.slice(colon + 1));
  } catch {
    return undefined; // oidc-provider answers the malformed header itself
  }
  if (!secret) return undefined;
  const digest = await digestOf(store, clientId, secret);
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(digest)}`, 'utf8').toString('base64')}`;
}

async function readForm(incoming: IncomingMessage): Promise<string> {
  const declared = Number(incoming.headers['content-length'] ?? NaN);
  if (declared > MAX_OIDC_FORM_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of incoming) {
    received += (chunk as Buffer).length;
    if (received > MAX_OIDC_FORM_BYTES) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const tooLarge = () => new AppError('payload_too_large', 'body_too_large', `The request body exceeds ${MAX_OIDC_FORM_BYTES} bytes`);

const isForm = (contentType: string | undefined) =>
  (contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'application/x-www-form-urlencoded';

/** Replaces every client secret the request presents by its keyed hash (see above). */
export async function digestPresentedClientSecrets(store: Store, incoming: IncomingMessage): Promise<void> {
  const header = incoming.headers.authorization;
  if (header) {
    const replaced = await digestBasic(store, header);
    if (replaced) incoming.headers.authorization = replaced;
  }
  if (incoming.method !== 'POST' || !isForm(incoming.headers['content-type'])) return;
  const body = await readForm(incoming);
  const params = new URLSearchParams(body);
  let handed = body;
  if (params.has('client_secret')) {
    const clientId = params.get('client_id') ?? undefined;
    const rewritten = new URLSearchParams();
    for (const [name, value] of params) rewritten.append(name, name === 'client_secret' ? await digestOf(store, clientId, value) : value);
    handed = rewritten.toString();
  }
  (incoming as IncomingMessage & { body?: string }).body = handed;
}
