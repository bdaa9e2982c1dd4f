// Every quirk of samlify's packaging and API lives here: its CommonJS default export, the schema validator it
// needs before it verifies anything, and the shapes of its entities. Nothing else imports samlify.
import samlifyModule from 'samlify';
import * as xmllint from '@authenio/samlify-node-xmllint';

const samlify = samlifyModule as unknown as typeof import('samlify') & {
  IdPMetadata: (xml: string | Buffer) => IdpMetadataView;
  SamlLib: SamlLibView;
};

export interface IdpMetadataView {
  getEntityID(): string;
  getSingleSignOnService(binding: string): string | object;
  getX509Certificate(use: string): string | string[] | null;
  getNameIDFormat(): string[] | string | undefined;
}

interface SamlLibView {
  verifySignature(xml: string, options: { metadata?: unknown; keyFile?: string; signatureAlgorithm?: string }): [boolean, string | null];
}

let validatorSet = false;
/** samlify refuses to parse anything until a schema validator is set; xmllint (WASM) works offline. */
export function ensureSchemaValidator(): void {
  if (validatorSet) return;
  const validate = xmllint as unknown as {
    validate?: (xml: string) => Promise<unknown>;
    default?: { validate: (xml: string) => Promise<unknown> };
  };
  samlify.setSchemaValidator({ validate: validate.validate ?? validate.default!.validate });
  validatorSet = true;
}

export function loadIdpMetadata(xml: string): IdpMetadataView {
  return samlify.IdPMetadata(xml);
}

export { samlify };
