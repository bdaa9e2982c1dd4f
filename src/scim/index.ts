// The SCIM 2.0 server (RFC 7643 / RFC 7644), mounted at /scim/v2 by app.ts.
export { createScimApi } from './router.js';
export { BULK_MAX_PAYLOAD_BYTES } from './discovery.js';
// The admin API's user search (admin/user-search.ts) reads the same filters.
export { parseListRequest } from './list-query.js';
