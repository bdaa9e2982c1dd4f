// SCIM error responses (RFC 7644 §3.12): schemas, status as a string, scimType where one applies.
import { HTTPException } from 'hono/http-exception';
import { AppError } from '../domain/index.js';

export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SCIM_MEDIA_TYPE = 'application/scim+json';

const SCIM_TYPES = new Set([
  'invalidFilter',
  'tooMany',
  'uniqueness',
  'mutability',
  'invalidSyntax',
  'invalidPath',
  'noTarget',
  'invalidValue',
  'invalidVers',
  'sensitive',
]);

export interface ScimErrorBody {
  schemas: [typeof SCIM_ERROR_SCHEMA];
  status: string;
  scimType?: string;
  detail: string;
}

export function scimErrorBody(status: number, detail: string, scimType?: string): ScimErrorBody {
  return { schemas: [SCIM_ERROR_SCHEMA], status: String(status), ...(scimType ? { scimType } : {}), detail };
}

/** AppError codes that are SCIM scimTypes pass through as scimType; everything else keeps its status only. */
export function toScimError(error: unknown): ScimErrorBody {
  if (error instanceof AppError) {
    if (!error.expose) return scimErrorBody(500, 'The server could not complete the request');
    return scimErrorBody(error.status, error.message, SCIM_TYPES.has(error.code) ? error.code : undefined);
  }
  if (error instanceof HTTPException && error.status < 500) {
    if (error.status === 400 && /malformed json/i.test(error.message))
      return scimErrorBody(400, 'The request body is not valid JSON', 'invalidSyntax');
    if (error.status === 413) return scimErrorBody(413, 'The request body is larger than the server accepts');
    return scimErrorBody(error.status, error.message || 'Request refused');
  }
  return scimErrorBody(500, 'The server could not complete the request');
}

export function scimErrorResponse(body: ScimErrorBody, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status: Number(body.status), headers: { 'content-type': SCIM_MEDIA_TYPE, ...headers } });
}
