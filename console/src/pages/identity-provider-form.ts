// The identity provider editor's form model: what the fields hold (strings, as typed), to and from the API's
// IdentityProviderInput / IdentityProvider.
import type { Schemas } from '../api/client';
import type { JitForm } from './jit-help';

export interface IdpForm {
  protocol: 'oidc' | 'saml';
  name: string;
  enabled: boolean;
  trustEmail: boolean;
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  metadata: string;
  entityId: string;
  ssoUrl: string;
  signingCertificate: string;
  wantAssertionsSigned: boolean;
  subjectAttribute: string;
  jit: JitForm;
  claimMappings: string;
  roleMappings: string;
  inactiveAfterDays: string;
}

export const emptyForm = (protocol: 'oidc' | 'saml'): IdpForm => ({
  protocol,
  name: '',
  enabled: true,
  trustEmail: false,
  issuer: '',
  clientId: '',
  clientSecret: '',
  scopes: 'openid profile email',
  metadata: '',
  entityId: '',
  ssoUrl: '',
  signingCertificate: '',
  wantAssertionsSigned: true,
  subjectAttribute: '',
  jit: {
    isEnabled: true,
    scheme: 'PROVISION_SILENTLY',
    userstore: 'PRIMARY',
    allowedUserStores: 'PRIMARY',
    associateLocalUser: false,
    associateByUsername: false,
    attributeSyncMethod: '',
    mode: 'blocking',
  },
  claimMappings: '',
  roleMappings: '',
  inactiveAfterDays: '',
});

const mappingsText = (list: Array<{ remote: string; local: string }>) => list.map((m) => `${m.remote} = ${m.local}`).join('\n');
const mappings = (text: string) =>
  text
    .split('\n')
    .map((line) => line.split('='))
    .filter((parts) => parts.length >= 2 && parts[0]!.trim())
    .map(([remote, ...local]) => ({ remote: remote!.trim(), local: local.join('=').trim() }));
const list = (text: string) => text.split(/[\s,]+/).filter(Boolean);
const optional = (text: string) => (text.trim() ? text.trim() : undefined);

export function formOf(idp: Schemas['IdentityProvider']): IdpForm {
  const jit = idp.provisioning.jit;
  return {
    ...emptyForm(idp.protocol),
    name: idp.name,
    enabled: idp.enabled,
    trustEmail: idp.trustEmail,
    issuer: idp.oidc?.issuer ?? '',
    clientId: idp.oidc?.clientId ?? '',
    scopes: idp.oidc?.scopes.join(' ') ?? '',
    entityId: idp.saml?.entityId ?? '',
    ssoUrl: idp.saml?.ssoUrl ?? '',
    signingCertificate: idp.saml?.signingCertificates[0] ?? '',
    wantAssertionsSigned: idp.saml?.wantAssertionsSigned ?? true,
    subjectAttribute: idp.saml?.subjectAttribute ?? '',
    jit: {
      isEnabled: jit.isEnabled ?? true,
      scheme: jit.scheme ?? 'PROVISION_SILENTLY',
      userstore: jit.userstore ?? 'PRIMARY',
      allowedUserStores: (jit.allowedUserStores ?? ['PRIMARY']).join(', '),
      associateLocalUser: jit.associateLocalUser ?? false,
      associateByUsername: jit.associateByUsername ?? false,
      attributeSyncMethod: jit.attributeSyncMethod ?? '',
      mode: jit.mode ?? 'blocking',
    },
    claimMappings: mappingsText(idp.claimMappings),
    roleMappings: mappingsText(idp.roleMappings),
    inactiveAfterDays: idp.inactiveAfterDays === null ? '' : String(idp.inactiveAfterDays),
  };
}

export function inputOf(form: IdpForm): Schemas['IdentityProviderInput'] {
  const claimMappings = mappings(form.claimMappings);
  return {
    name: form.name,
    protocol: form.protocol,
    enabled: form.enabled,
    trustEmail: form.trustEmail,
    ...(form.protocol === 'oidc'
      ? {
          oidc: {
            issuer: form.issuer,
            clientId: form.clientId,
            clientSecret: optional(form.clientSecret),
            scopes: list(form.scopes),
          },
        }
      : {
          saml: form.metadata.trim()
            ? {
                metadata: form.metadata,
                wantAssertionsSigned: form.wantAssertionsSigned,
                subjectAttribute: optional(form.subjectAttribute),
              }
            : {
                entityId: form.entityId,
                ssoUrl: form.ssoUrl,
                signingCertificate: optional(form.signingCertificate),
                wantAssertionsSigned: form.wantAssertionsSigned,
                subjectAttribute: optional(form.subjectAttribute),
              },
        }),
    ...(claimMappings.length > 0 ? { claimMappings } : {}),
    roleMappings: mappings(form.roleMappings),
    provisioning: {
      jit: {
        isEnabled: form.jit.isEnabled,
        scheme: form.jit.scheme,
        userstore: form.jit.userstore,
        allowedUserStores: list(form.jit.allowedUserStores),
        associateLocalUser: form.jit.associateLocalUser,
        associateByUsername: form.jit.associateByUsername,
        attributeSyncMethod: form.jit.attributeSyncMethod || null,
        mode: form.jit.mode,
      },
    },
    inactiveAfterDays: form.inactiveAfterDays.trim() ? Number(form.inactiveAfterDays) : null,
  };
}
