// Discovery endpoints (RFC 7644 §4, RFC 7643 §5–7): ServiceProviderConfig, ResourceTypes and Schemas.
// Schema descriptions come from scimmy's definitions; the limits advertised are the ones enforced.
import SCIMMY from 'scimmy';
import { SCIM_ENTERPRISE_USER_SCHEMA, SCIM_GROUP_SCHEMA, SCIM_USER_SCHEMA } from '../domain/index.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './list-query.js';

export const BULK_MAX_OPERATIONS = 1000;
export const BULK_MAX_PAYLOAD_BYTES = 1024 * 1024;
export const MAX_FILTER_RESULTS = MAX_PAGE_SIZE;

const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

export function serviceProviderConfig(baseUrl: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    documentationUri: 'https://github.com/jitbridge/jitbridge#scim-20-server',
    patch: { supported: true },
    bulk: { supported: true, maxOperations: BULK_MAX_OPERATIONS, maxPayloadSize: BULK_MAX_PAYLOAD_BYTES },
    filter: { supported: true, maxResults: MAX_FILTER_RESULTS },
    changePassword: { supported: true },
    sort: { supported: true },
    etag: { supported: true },
    // draft-ietf-scim-cursor-pagination §6
    pagination: {
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: DEFAULT_PAGE_SIZE,
      maxPageSize: MAX_PAGE_SIZE,
      cursorTimeout: 0,
    },
    authenticationSchemes: [
      { type: 'oauthbearertoken', name: 'Bearer token', description: 'A SCIM client token from POST /api/v1/scim-clients', primary: true },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

export function resourceTypes(baseUrl: string) {
  const user = {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
    id: 'User',
    name: 'User',
    endpoint: '/Users',
    description: 'User Account',
    schema: SCIM_USER_SCHEMA,
    schemaExtensions: [{ schema: SCIM_ENTERPRISE_USER_SCHEMA, required: false }],
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/User` },
  };
  const group = {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
    id: 'Group',
    name: 'Group',
    endpoint: '/Groups',
    description: 'Group',
    schema: SCIM_GROUP_SCHEMA,
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/Group` },
  };
  return [user, group];
}

export function schemas(baseUrl: string): Array<Record<string, unknown>> {
  const describe = (definition: { describe(basepath: string): unknown }) =>
    JSON.parse(JSON.stringify(definition.describe(`${baseUrl}/Schemas`))) as Record<string, unknown>;
  const user = describe(SCIMMY.Schemas.User.definition);
  delete user.schemaExtensions;
  return [user, describe(SCIMMY.Schemas.EnterpriseUser.definition), describe(SCIMMY.Schemas.Group.definition)];
}

export const listOf = (resources: unknown[]) => ({
  schemas: [LIST],
  totalResults: resources.length,
  itemsPerPage: resources.length,
  startIndex: 1,
  Resources: resources,
});
