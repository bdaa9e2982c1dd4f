// Responses that carry every app-wide header from the start (security headers, x-request-id), so the middlewares
// need not add them afterwards. Adding a header to a built response turns its headers into a WHATWG `Headers`
// (validated per set, sorted when the server writes them), which for a small SCIM answer cost about as much
// as building the answer. A hot route builds its headers as one plain object instead, with the same names and
// values the middlewares would have set; everything else goes the general way.
import type { Context } from 'hono';
import type { AppEnv } from './app-context.js';

/** Responses made by `completeResponse`: the middlewares leave their headers alone. */
const complete = new WeakSet<object>();

export const isComplete = (response: Response): boolean => complete.has(response);

/**
 * A response with `headers` and the app-wide ones: the security headers win over the route's (as the security
 * middleware overwrites), the route's x-request-id over the request's (as the request middleware keeps one).
 * Undefined when the security middleware has not run for this request (the caller then answers the general way).
 */
export function completeResponse<E extends AppEnv>(
  c: Context<E>,
  body: string | null,
  status: number,
  headers: Record<string, string>,
): Response | undefined {
  const security = (c as unknown as Context<AppEnv>).get('securityHeaders');
  if (!security) return undefined;
  const all: Record<string, string> = { ...headers };
  for (const [name, value] of security) all[name] = value;
  all['x-request-id'] ??= (c as unknown as Context<AppEnv>).get('requestId');
  const response = new Response(body, { status, headers: all });
  complete.add(response);
  return response;
}
