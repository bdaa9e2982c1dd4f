// The sections of the file and what is particular to each: its admin API path, the key an entry is matched by,
// and the few places where the file's shape differs from the API's (names for ids; SAML metadata).
import type { SectionName } from './schema.js';

export interface Section {
  name: SectionName;
  /** Singular, for messages: `identity provider`. */
  label: string;
  apiPath: string;
  /** The field that names an entry. */
  keyField: string;
  /** How keys compare (the database's own uniqueness rule where it has one). */
  normalizeKey(key: string): string;
  /** Prefix of exported secret placeholders: JITBRIDGE_<prefix>_<KEY>_<FIELD>. */
  secretPrefix: string;
  /** Never deleted by --prune. */
  keep?(key: string): boolean;
}

/** In the order they are created and updated (each may refer to those before it); deleted in reverse. */
export const SECTIONS: Section[] = [
  {
    name: 'userStores',
    label: 'user store',
    apiPath: '/user-stores',
    keyField: 'domain',
    normalizeKey: (key) => key.toUpperCase(),
    secretPrefix: 'USER_STORE',
    keep: (key) => key.toUpperCase() === 'PRIMARY',
  },
  {
    name: 'identityProviders',
    label: 'identity provider',
    apiPath: '/identity-providers',
    keyField: 'name',
    normalizeKey: (key) => key.trim().toLowerCase(),
    secretPrefix: 'IDP',
  },
  {
    name: 'consentPurposes',
    label: 'consent purpose',
    apiPath: '/consent-purposes',
    keyField: 'purpose',
    normalizeKey: (key) => key.trim(),
    secretPrefix: 'CONSENT',
  },
  {
    name: 'applications',
    label: 'application',
    apiPath: '/applications',
    // Matched by applicationIdentity first (clientId, SAML entity ID), by name when the entry gives neither.
    keyField: 'name',
    normalizeKey: (key) => key,
    secretPrefix: 'APP',
    // The console's own client (src/oidc/console-client.ts) is made at every start: pruning it would lock admins out.
    keep: (key) => key === 'jitbridge console',
  },
  {
    name: 'scimClients',
    label: 'SCIM client',
    apiPath: '/scim-clients',
    keyField: 'name',
    normalizeKey: (key) => key,
    secretPrefix: 'SCIM_CLIENT',
  },
  {
    name: 'outboundConnectors',
    label: 'outbound connector',
    apiPath: '/outbound-connectors',
    keyField: 'name',
    normalizeKey: (key) => key,
    secretPrefix: 'OUTBOUND',
  },
];

/**
 * What identifies an application across environments before its name: an OIDC app's clientId, a SAML app's SP
 * entity ID (each unique in the database), when the entry or resource gives one.
 */
export function applicationIdentity(entry: Record<string, unknown>): string | undefined {
  if (entry.protocol === 'saml') {
    const entityId = (entry.saml as Record<string, unknown> | undefined)?.entityId;
    return typeof entityId === 'string' ? `saml:${entityId}` : undefined;
  }
  return typeof entry.clientId === 'string' ? `oidc:${entry.clientId}` : undefined;
}

export const sectionNamed = (name: SectionName): Section => SECTIONS.find((s) => s.name === name)!;

type Entry = Record<string, unknown>;

/**
 * The admin API's answer for a resource, before it is projected on the file's shape: what the answer holds
 * differently from what an input takes.
 */
export function viewToInput(section: SectionName, view: Entry): Entry {
  if (section === 'identityProviders' && view.saml && typeof view.saml === 'object') {
    // An IdP given by its metadata keeps the metadata; the parsed entity id, URL and certificates come from it.
    const saml = { ...(view.saml as Entry) };
    if (saml.metadata !== undefined) {
      delete saml.entityId;
      delete saml.ssoUrl;
      delete saml.signingCertificates;
    }
    return { ...view, saml };
  }
  return view;
}
