// Why an upstream login was refused. The `code` is stable: it goes into the failure login result and the audit
// event, and the app-facing side chooses the page to show by it. The message is safe to show; causes are logged.
export class FederationError extends Error {
  override name = 'FederationError';
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A request we cannot tie to a login we started (no or wrong state): a plain 400 page, nothing stored. */
export class UnknownFlowError extends Error {
  override name = 'UnknownFlowError';
}
