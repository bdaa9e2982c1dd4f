// Puts the demo's configuration into jitbridge through its public admin API, the way an operator's script would:
// each resource is looked up by name and replaced (PUT) when it exists, created when it does not, so every start
// of the demo leaves the same configuration whatever the previous run left. Secrets that jitbridge only shows once
// (the app's client secret, the SCIM token) are issued anew on each start.
import type { AdminClient } from './admin-client.js';
import { GROUP_NAMES, OIDC_PEOPLE, SAML_PEOPLE } from './people.js';

export const DEMO_NAMES = {
  userStore: 'DEMO',
  oidcIdp: 'Example Corp (provisions silently)',
  samlIdp: 'Partner Inc (asks for consent)',
  consentPurpose: 'Demo app profile',
  scimClient: 'Demo app (reads DEMO users)',
  app: 'Demo app',
} as const;

export interface ConfigureInput {
  oidc: { issuer: string; clientId: string; clientSecret: string };
  saml: { metadata: string };
  app: { redirectUri: string; postLogoutRedirectUri: string };
}

export interface DemoConfiguration {
  oidcIdp: { id: string; redirectUri: string };
  samlIdp: { id: string; spMetadataUrl: string };
  app: { id: string; clientId: string; clientSecret: string; issuer: string };
  scimToken: string;
}

interface Named {
  id: string;
}

/** Replaces the resource named `name` (found by `matches`) or creates it; answers the stored resource. */
async function upsert<T extends Named>(
  admin: AdminClient,
  path: string,
  matches: (item: T) => boolean,
  body: Record<string, unknown>,
): Promise<{ resource: T; created: boolean }> {
  const existing = (await admin.list<T>(path)).find(matches);
  if (existing) return { resource: await admin.call<T>('PUT', `${path}/${existing.id}`, body, [200]), created: false };
  return { resource: await admin.call<T>('POST', path, body, [201]), created: true };
}

const roleMappings = (people: typeof OIDC_PEOPLE) =>
  [...new Set(people.flatMap((p) => p.groups))].map((remote) => ({ remote, local: GROUP_NAMES[remote] ?? remote }));

export async function configureDemo(admin: AdminClient, input: ConfigureInput): Promise<DemoConfiguration> {
  // PUT accepts the domain when it is the current one, so one body serves both.
  await upsert<Named & { domain: string }>(admin, '/user-stores', (s) => s.domain === DEMO_NAMES.userStore, {
    domain: DEMO_NAMES.userStore,
    description: 'People who signed in to the jitbridge demo',
    // Usernames as the demo IdPs send them (a policy the store checks for every JIT user).
    usernameRegex: '[a-z][a-z0-9._-]{1,31}',
    rolenameRegex: null,
  });

  await upsert<Named & { purpose: string }>(admin, '/consent-purposes', (p) => p.purpose === DEMO_NAMES.consentPurpose, {
    purpose: DEMO_NAMES.consentPurpose,
    description: 'jitbridge keeps these attributes to create your account for the demo app.',
    piiCategories: [
      { claim: 'emails[type eq "work"].value', mandatory: true },
      { claim: 'displayName', mandatory: false },
    ],
  });

  const jit = (scheme: string) => ({
    isEnabled: true,
    scheme,
    userstore: DEMO_NAMES.userStore,
    associateLocalUser: false,
    attributeSyncMethod: 'OVERRIDE_ALL',
    mode: 'blocking',
  });

  type IdpView = Named & { name: string; oidc?: { redirectUri: string }; saml?: { sp: { metadataUrl: string } } };
  const oidcIdp = await upsert<IdpView>(admin, '/identity-providers', (i) => i.name === DEMO_NAMES.oidcIdp, {
    name: DEMO_NAMES.oidcIdp,
    protocol: 'oidc',
    enabled: true,
    // The OP sends email_verified: jitbridge need not trust its emails blindly.
    trustEmail: false,
    oidc: {
      issuer: input.oidc.issuer,
      clientId: input.oidc.clientId,
      clientSecret: input.oidc.clientSecret,
      scopes: ['openid', 'profile', 'email', 'groups'],
    },
    roleMappings: roleMappings(OIDC_PEOPLE),
    provisioning: { jit: jit('PROVISION_SILENTLY') },
  });
  const samlIdp = await upsert<IdpView>(admin, '/identity-providers', (i) => i.name === DEMO_NAMES.samlIdp, {
    name: DEMO_NAMES.samlIdp,
    protocol: 'saml',
    enabled: true,
    // SAML has no email_verified: this IdP vouches for the addresses it sends.
    trustEmail: true,
    saml: { metadata: input.saml.metadata },
    roleMappings: roleMappings(SAML_PEOPLE),
    provisioning: { jit: jit('PROMPT_CONSENT') },
  });

  // The SCIM token is shown once: the demo's client is replaced on every start (the old token stops working).
  const scimClients = await admin.list<Named & { name: string }>('/scim-clients');
  for (const old of scimClients.filter((c) => c.name === DEMO_NAMES.scimClient)) await admin.call('DELETE', `/scim-clients/${old.id}`);
  const scimClient = await admin.call<{ token: string }>(
    'POST',
    '/scim-clients',
    { name: DEMO_NAMES.scimClient, scopes: ['scim:read'], userStores: [DEMO_NAMES.userStore] },
    [201],
  );

  type AppView = Named & { name: string; clientId: string; clientSecret?: string; issuer: string };
  const app = await upsert<AppView>(admin, '/applications', (a) => a.name === DEMO_NAMES.app, {
    name: DEMO_NAMES.app,
    redirectUris: [input.app.redirectUri],
    postLogoutRedirectUris: [input.app.postLogoutRedirectUri],
    grantTypes: ['authorization_code'],
    tokenEndpointAuthMethod: 'client_secret_basic',
    requirePkce: true,
    // Both IdPs and no `idp` parameter from the app: jitbridge shows its chooser.
    identityProviders: [oidcIdp.resource.id, samlIdp.resource.id],
  });
  const clientSecret = app.created
    ? app.resource.clientSecret!
    : (await admin.call<AppView>('POST', `/applications/${app.resource.id}/client-secret`, undefined, [200])).clientSecret!;

  return {
    oidcIdp: { id: oidcIdp.resource.id, redirectUri: oidcIdp.resource.oidc!.redirectUri },
    samlIdp: { id: samlIdp.resource.id, spMetadataUrl: samlIdp.resource.saml!.sp.metadataUrl },
    app: { id: app.resource.id, clientId: app.resource.clientId, clientSecret, issuer: app.resource.issuer },
    scimToken: scimClient.token,
  };
}
