// Why the demo could not start, in words a person can act on. `code` is stable for callers (the CLI maps it to an
// exit status: `refused` and `invalid_setting` are usage errors, the others failures).
export type DemoErrorCode = 'refused' | 'invalid_setting' | 'port_in_use' | 'admin_token_unknown' | 'admin_api' | 'upstream';

export class DemoError extends Error {
  override name = 'DemoError';
  constructor(
    readonly code: DemoErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
