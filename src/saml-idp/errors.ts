// Why a SAML message was refused. Before the SP and its ACS are known to be genuine, a refusal is an error page
// (never a redirect to an address taken from the request); after, it may be a SAML status answered to the ACS.
export class SamlIdpError extends Error {
  override name = 'SamlIdpError';
  constructor(
    /** Stable code, shown on the error page as the reference. */
    readonly code: string,
    message: string,
    readonly status: 400 | 403 | 404 | 501 = 400,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const refuse = (code: string, message: string, status: 400 | 403 | 404 = 400) => new SamlIdpError(code, message, status);

/** samlify's error strings → our codes. */
export function fromSamlify(error: unknown): SamlIdpError {
  if (error instanceof SamlIdpError) return error;
  const text = error instanceof Error ? error.message : String(error);
  if (/SIGNATURE|CERTIFICATE/i.test(text) && !/MISSING_SIG_ALG/.test(text))
    return new SamlIdpError('saml_bad_signature', 'The signature of the SAML message is not valid', 400, { cause: error });
  if (/MISSING_SIG_ALG/.test(text))
    return new SamlIdpError('saml_unsigned_request', 'The SAML message must be signed', 400, { cause: error });
  if (/WRAPPING/.test(text)) return new SamlIdpError('saml_wrapping_suspected', 'The SAML message is malformed', 400, { cause: error });
  if (/FAILED_STATUS/.test(text))
    return new SamlIdpError('saml_status_not_success', 'The SAML message reports a failure', 400, { cause: error });
  return new SamlIdpError('saml_malformed_message', 'The SAML message is not a valid SAML 2.0 message', 400, { cause: error });
}
