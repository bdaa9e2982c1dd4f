// ListResponse messages (RFC 7644 §3.4.2), built from a page the store already cut: the page is never
// sliced again here (scimmy's ListResponse would re-slice a pre-paged list when startIndex ≤ count).
import type { ScimSearch } from '../store/index.js';
import { resolveAttributeList } from './attributes.js';
import type { ScimCall } from './operation.js';
import type { ResourceKind } from './schemas.js';

export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

export function listResponse(resources: unknown[], totalResults: number, search: ScimSearch, nextCursor?: string) {
  return {
    schemas: [LIST_RESPONSE_SCHEMA],
    ...(search.skipTotal ? {} : { totalResults }),
    itemsPerPage: resources.length,
    ...(search.cursor ? {} : { startIndex: search.startIndex }),
    ...(nextCursor ? { nextCursor } : {}),
    Resources: resources,
  };
}

/** attributes / excludedAttributes of a single-resource request; unknown names are ignored. */
export function lenientAttributes(kind: ResourceKind, call: Pick<ScimCall, 'attributes' | 'excludedAttributes'>) {
  const resolve = (list: string | undefined) => {
    if (!list) return undefined;
    const out: string[][] = [];
    for (const item of list.split(',')) {
      try {
        out.push(...(resolveAttributeList(kind, item) ?? []));
      } catch {
        // not an attribute of this resource type
      }
    }
    return out;
  };
  const attributes = resolve(call.attributes);
  return { attributes, excluded: attributes ? undefined : resolve(call.excludedAttributes) };
}
