// One error handler for the whole app: each protocol gets its own error format, chosen by path.
// /api → problem+json; /scim → SCIM error JSON (RFC 7644 §3.12); anything else → plain text.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { AppError, RetryLaterError } from '../domain/index.js';
import type { Logger } from '../observability/index.js';
import { isStatementTimeout } from '../store/index.js';
import type { AppEnv } from './app-context.js';
import { problemResponse, toProblem } from './problem.js';
import { scimErrorResponse, toScimError } from './scim-error.js';

/**
 * A statement the database cancelled for running past DB_STATEMENT_TIMEOUT_MS: 503 (try again later), with a code the
 * log and the caller can tell apart from a crash. Everything else passes unchanged.
 */
export function withDatabaseTimeout(error: Error): Error {
  if (!isStatementTimeout(error)) return error;
  return new RetryLaterError('unavailable', 'statement_timeout', 'The database took too long to answer; try again shortly', 5);
}

export function errorHandler(logger: Logger) {
  return (raised: Error, c: Context<AppEnv>): Response => {
    const error = withDatabaseTimeout(raised);
    const status = error instanceof AppError || error instanceof HTTPException ? error.status : 500;
    // A refusal for want of a slot is expected under load (and would flood the log under attack): not logged.
    if (status >= 500 && !(raised instanceof RetryLaterError))
      logger.error({ err: raised, requestId: c.get('requestId'), path: c.req.path }, 'request failed');
    const path = c.req.path;
    // A body refused for its size was not read to the end: close the connection rather than leave
    // the rest of it in the socket for the next request to trip over.
    const headers: Record<string, string> = status === 413 ? { connection: 'close' } : {};
    if (error instanceof RetryLaterError) Object.assign(headers, error.headers);
    if (path.startsWith('/api/')) return problemResponse(toProblem(error, c), headers);
    if (path.startsWith('/scim/')) return scimErrorResponse(toScimError(error), headers);
    if (error instanceof HTTPException && status < 500) return error.getResponse();
    const message = error instanceof AppError && error.expose ? error.message : 'The server could not complete the request';
    return c.text(message, status as 500);
  };
}

export function notFoundHandler(c: Context<AppEnv>): Response {
  const path = c.req.path;
  if (path.startsWith('/api/')) {
    return problemResponse(toProblem(new AppError('not_found', 'route_not_found', `No route for ${c.req.method} ${path}`), c));
  }
  if (path.startsWith('/scim/')) {
    return scimErrorResponse(toScimError(new AppError('not_found', 'route_not_found', `No endpoint at ${path}`)));
  }
  return c.text('Not Found', 404);
}
