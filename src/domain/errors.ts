// The error base every layer throws. A stable `code` identifies the failure; each protocol edge
// turns it into its own format (problem+json, SCIM error JSON, OAuth error) in one place.

export type ErrorKind =
  | 'invalid_input' // 400
  | 'unauthorized' // 401
  | 'forbidden' // 403
  | 'not_found' // 404
  | 'conflict' // 409
  | 'precondition_failed' // 412
  | 'payload_too_large' // 413
  | 'unsupported_media_type' // 415
  | 'too_many_requests' // 429
  | 'unavailable' // 503
  | 'internal'; // 500

const statusByKind: Record<ErrorKind, number> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  unavailable: 503,
  internal: 500,
};

export interface FieldProblem {
  /** Dotted path of the offending field, such as `jit.usernameRegex`. */
  field: string;
  message: string;
}

export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;
  constructor(
    readonly kind: ErrorKind,
    /** Stable machine-readable code, such as `user_store_not_found`. */
    readonly code: string,
    /** Safe to show to the caller. */
    message: string,
    readonly fields: FieldProblem[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = statusByKind[kind];
  }

  /** Whether the message may be shown to the caller (internal errors are not). */
  get expose(): boolean {
    return this.status < 500;
  }
}

/** Refused for now (a rate limit, no free slot for an expensive check): each edge answers with Retry-After. */
export class RetryLaterError extends AppError {
  constructor(
    kind: 'too_many_requests' | 'unavailable',
    code: string,
    message: string,
    /** Whole seconds, at least 1. */
    readonly retryAfterSeconds: number,
  ) {
    super(kind, code, message);
  }

  /** Busy is no secret: the caller is told to retry (AppError hides the message of other 5xx). */
  override get expose(): boolean {
    return true;
  }

  /** The response header every protocol sends with it. */
  get headers(): Record<string, string> {
    return { 'retry-after': String(Math.max(1, Math.ceil(this.retryAfterSeconds))) };
  }
}

export const invalidInput = (code: string, message: string, fields: FieldProblem[] = []) =>
  new AppError('invalid_input', code, message, fields);
export const notFound = (code: string, message: string) => new AppError('not_found', code, message);
export const conflict = (code: string, message: string, fields: FieldProblem[] = []) => new AppError('conflict', code, message, fields);
