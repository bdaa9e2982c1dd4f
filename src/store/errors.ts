// Recognises database errors by SQLSTATE, whichever driver raised them (drizzle wraps them in `cause`).

function sqlState(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export const isUniqueViolation = (error: unknown) => sqlState(error) === '23505';
export const isForeignKeyViolation = (error: unknown) => sqlState(error) === '23503';
export const isSerializationFailure = (error: unknown) => ['40001', '40P01'].includes(sqlState(error) ?? '');
/** A statement cancelled by statement_timeout (57014 query_canceled; a cancel by an operator shares the code). */
export const isStatementTimeout = (error: unknown) => sqlState(error) === '57014';
