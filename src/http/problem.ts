// RFC 9457 problem details for the admin API: every error is application/problem+json with a stable `code`.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { AppError, type FieldProblem } from '../domain/index.js';

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  errors?: FieldProblem[];
  instance?: string;
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function problemBody(status: number, code: string, detail: string, errors: FieldProblem[] = [], instance?: string): ProblemBody {
  return {
    type: `urn:jitbridge:problem:${code}`,
    title: titles[status] ?? 'Error',
    status,
    code,
    detail,
    ...(errors.length ? { errors } : {}),
    ...(instance ? { instance } : {}),
  };
}

export function problemResponse(body: ProblemBody, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status: body.status,
    headers: { 'content-type': PROBLEM_MEDIA_TYPE, ...headers },
  });
}

/** Turns anything thrown into a problem; internal details stay in the log. */
export function toProblem(error: unknown, c: Context): ProblemBody {
  const instance = `urn:request:${c.get('requestId') ?? ''}`;
  if (error instanceof AppError) {
    return error.expose
      ? problemBody(error.status, error.code, error.message, error.fields, instance)
      : problemBody(error.status, error.code, 'The server could not complete the request', [], instance);
  }
  if (error instanceof HTTPException) {
    const status = error.status;
    if (status === 400 && /malformed json/i.test(error.message)) {
      return problemBody(400, 'malformed_json', 'The request body is not valid JSON', [], instance);
    }
    if (status === 413) return problemBody(413, 'payload_too_large', 'The request body is larger than the server accepts', [], instance);
    if (status === 415) {
      return problemBody(
        415,
        'unsupported_media_type',
        'Send the body as application/json (or application/merge-patch+json for PATCH)',
        [],
        instance,
      );
    }
    if (status < 500) return problemBody(status, 'http_error', error.message || titles[status] || 'Error', [], instance);
  }
  return problemBody(500, 'internal_error', 'The server could not complete the request', [], instance);
}
