// Default claimMappings for a new identity provider: standard OIDC claims (OpenID Connect Core §5.1) and the
// SAML attribute names common IdPs send (eduPerson/LDAP OIDs, the Microsoft/ADFS claim URIs, and plain names),
// each to the SCIM 2.0 User attribute (RFC 7643 §4.1) it means. An admin may replace the list.
import type { ClaimMapping } from '../domain/index.js';

const WORK_EMAIL = 'emails[type eq "work"].value';

export const DEFAULT_OIDC_CLAIM_MAPPINGS: readonly ClaimMapping[] = [
  { remote: 'preferred_username', local: 'userName' },
  { remote: 'email', local: WORK_EMAIL },
  { remote: 'given_name', local: 'name.givenName' },
  { remote: 'family_name', local: 'name.familyName' },
  { remote: 'middle_name', local: 'name.middleName' },
  { remote: 'name', local: 'displayName' },
  { remote: 'nickname', local: 'nickName' },
  { remote: 'profile', local: 'profileUrl' },
  { remote: 'picture', local: 'photos[type eq "photo"].value' },
  { remote: 'phone_number', local: 'phoneNumbers[type eq "work"].value' },
  { remote: 'locale', local: 'locale' },
  { remote: 'zoneinfo', local: 'timezone' },
];

const CLAIMS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';

export const DEFAULT_SAML_CLAIM_MAPPINGS: readonly ClaimMapping[] = [
  // userName
  { remote: 'urn:oid:0.9.2342.19200300.100.1.1', local: 'userName' }, // uid
  { remote: `${CLAIMS}/upn`, local: 'userName' },
  { remote: 'uid', local: 'userName' },
  { remote: 'username', local: 'userName' },
  // email
  { remote: 'urn:oid:0.9.2342.19200300.100.1.3', local: WORK_EMAIL }, // mail
  { remote: `${CLAIMS}/emailaddress`, local: WORK_EMAIL },
  { remote: 'email', local: WORK_EMAIL },
  { remote: 'mail', local: WORK_EMAIL },
  // names
  { remote: 'urn:oid:2.5.4.42', local: 'name.givenName' }, // givenName
  { remote: `${CLAIMS}/givenname`, local: 'name.givenName' },
  { remote: 'givenName', local: 'name.givenName' },
  { remote: 'firstName', local: 'name.givenName' },
  { remote: 'urn:oid:2.5.4.4', local: 'name.familyName' }, // sn
  { remote: `${CLAIMS}/surname`, local: 'name.familyName' },
  { remote: 'sn', local: 'name.familyName' },
  { remote: 'surname', local: 'name.familyName' },
  { remote: 'lastName', local: 'name.familyName' },
  { remote: 'urn:oid:2.16.840.1.113730.3.1.241', local: 'displayName' }, // displayName
  { remote: 'http://schemas.microsoft.com/identity/claims/displayname', local: 'displayName' },
  { remote: 'displayName', local: 'displayName' },
  // phone, title, organisation
  { remote: 'urn:oid:2.5.4.20', local: 'phoneNumbers[type eq "work"].value' }, // telephoneNumber
  { remote: 'urn:oid:2.5.4.12', local: 'title' }, // title
  { remote: 'urn:oid:2.16.840.1.113730.3.1.3', local: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber' },
  { remote: 'urn:oid:2.5.4.11', local: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department' }, // ou
];

export function defaultClaimMappings(protocol: 'oidc' | 'saml'): ClaimMapping[] {
  return (protocol === 'oidc' ? DEFAULT_OIDC_CLAIM_MAPPINGS : DEFAULT_SAML_CLAIM_MAPPINGS).map((m) => ({ ...m }));
}
