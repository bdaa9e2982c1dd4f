// What a SCIM operation is given and what it answers. Route handlers and Bulk call the same operations.
import { AppError } from '../domain/index.js';
import type { AppContext, ScimPrincipal } from '../http/index.js';
import { etagMatches, parseEtags } from './representation.js';

export interface ScimCall {
  ctx: AppContext;
  principal: ScimPrincipal;
  /** `${publicUrl}/scim/v2` */
  baseUrl: string;
  /** Query parameters that shape the returned resource (attributes / excludedAttributes). */
  attributes?: string | undefined;
  excludedAttributes?: string | undefined;
  ifMatch?: string | undefined;
  ifNoneMatch?: string | undefined;
}

export interface ScimResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** If-Match (RFC 7644 §3.14): a stale version is 412, nothing written. */
export function checkIfMatch(call: ScimCall, version: number): void {
  const tags = parseEtags(call.ifMatch);
  if (tags !== undefined && !etagMatches(tags, version)) {
    throw new AppError('precondition_failed', 'version_mismatch', 'The resource changed since the version given in If-Match');
  }
}

export const notFound = (kind: 'User' | 'Group', id: string) =>
  new AppError('not_found', `${kind.toLowerCase()}_not_found`, `${kind} ${id} not found`);
