// Why an outbound request was refused before it left: a stable code for admin answers, logs and delivery errors.

export type OutboundRefusalCode =
  /** The destination resolves to a forbidden range (loopback, private, link-local, metadata...) not allowed by the operator. */
  | 'outbound_address_forbidden'
  /** Plain http to an address outside OUTBOUND_ALLOWED_NETWORKS. */
  | 'outbound_plain_http'
  /** Not an absolute http(s) URL. */
  | 'outbound_url_invalid';

export class OutboundRefusedError extends Error {
  override name = 'OutboundRefusedError';
  constructor(
    readonly code: OutboundRefusalCode,
    message: string,
  ) {
    super(message);
  }
}

/** The refusal behind an error thrown by a guarded fetch (undici wraps connect errors in `cause`), or null. */
export function outboundRefusalOf(error: unknown): OutboundRefusedError | null {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (current instanceof OutboundRefusedError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}
