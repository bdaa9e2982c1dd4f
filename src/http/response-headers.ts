// Responses that carry every app-wide header from the start (security headers, x-request-id), so the middlewares
// need not add them afterwards. Adding a header to a built response turns its headers into a WHATWG `Headers`
// (validated per set, sorted when the server writes them), which for a small SCIM answer cost about as much
// as building the answer. A hot route builds its headers as one plain object instead, with the same names and
// values the middlewares would have set; everything else goes the general way.
import type { Context } from 'hono';
import type { AppEnv } from './app-context.js';

/** Marks responses made by `completeResponse` (a property: a WeakSet entry per response costs the collector). */
const COMPLETE = Symbol('complete response');

export const isComplete = (response: Response): boolean => (response as unknown as Record<symbol, unknown>)[COMPLETE] === true;

/**
 * A response with `headers` (lower-case names) and the app-wide ones: the security headers win over the route's
 * (as the security middleware overwrites), the route's x-request-id over the request's (as the request middleware
 * keeps one). Undefined when the security middleware has not run for this request (answer the general way then).
 */
export function completeResponse<E extends AppEnv>(
  c: Context<E>,
  body: string | null,
  status: number,
  headers: Record<string, string>,
): Response | undefined {
  const vars = c as unknown as Context<AppEnv>;
  const security = vars.get('securityHeaders');
  if (!security) return undefined;
  const response = new Response(body, { status, headers: { 'x-request-id': vars.get('requestId'), ...headers, ...security } });
  (response as unknown as Record<symbol, unknown>)[COMPLETE] = true;
  return response;
}
