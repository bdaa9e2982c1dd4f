// One error handler for the whole app: each protocol gets its own error format, chosen by path.
// /api → problem+json; /scim → SCIM error JSON (RFC 7644 §3.12); anything else is a page a person may see: the
// styled error page (given by the login edge) with the request id as reference, the detail in the log under it.
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

/** Renders the page a person sees for an error (src/login/error.tsx), given by the app that composes the edges. */
export type PersonErrorPage = (page: { status: number; title: string; message: string; reference: string }) => Promise<string>;

const titleFor = (status: number) =>
  status === 404
    ? 'Page not found'
    : status === 413
      ? 'Too much data was sent'
      : status === 429
        ? 'Too many attempts'
        : status >= 500
          ? 'Something went wrong'
          : 'This sign-in cannot go on';

async function personPage(c: Context<AppEnv>, render: PersonErrorPage, status: number, message: string, headers: Record<string, string>) {
  const html = await render({ status, title: titleFor(status), message, reference: c.get('requestId') });
  return c.html(html, status as 400, { ...headers, 'cache-control': 'no-store' });
}

export function errorHandler(logger: Logger, options: { page?: PersonErrorPage } = {}) {
  return async (raised: Error, c: Context<AppEnv>): Promise<Response> => {
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
    if (options.page) {
      if (status < 500) logger.info({ err: error, requestId: c.get('requestId'), path, status }, 'request refused');
      const message =
        error instanceof AppError && error.expose
          ? error.message
          : error instanceof HTTPException && status < 500 && error.message
            ? error.message
            : 'The server could not complete the request. Please try again later.';
      return personPage(c, options.page, status, message, headers);
    }
    if (error instanceof HTTPException && status < 500) return error.getResponse();
    const message = error instanceof AppError && error.expose ? error.message : 'The server could not complete the request';
    return c.text(message, status as 500);
  };
}

export function notFoundHandler(c: Context<AppEnv>, options: { page?: PersonErrorPage } = {}): Response | Promise<Response> {
  const path = c.req.path;
  if (path.startsWith('/api/')) {
    return problemResponse(toProblem(new AppError('not_found', 'route_not_found', `No route for ${c.req.method} ${path}`), c));
  }
  if (path.startsWith('/scim/')) {
    return scimErrorResponse(toScimError(new AppError('not_found', 'route_not_found', `No endpoint at ${path}`)));
  }
  if (options.page) return personPage(c, options.page, 404, 'There is nothing at this address.', {});
  return c.text('Not Found', 404);
}
