// Between the wire and the domain for identity providers: input checked beyond what zod can (protocol sections,
// URLs, user stores) and turned into the domain shape, and the stored IdP turned back into input (the base of a merge
// patch) or into its answer.
import type { z } from '@hono/zod-openapi';
import {
  invalidInput,
  type FieldProblem,
  AS_IN_USERNAME,
  type IdentityProvider,
  type OidcSettings,
  type SamlSettings,
} from '../domain/index.js';
import type { AppContext } from '../http/index.js';
import { defaultClaimMappings, parseIdpMetadata, toPem } from '../federation/index.js';
import { findUserStoreByDomain, type IdentityProviderRecord } from '../store/index.js';
import type { IdpInput, IdpView, OidcInput, SamlInput } from './identity-provider-schema.js';

function checkUrl(value: string, field: string, problems: FieldProblem[]): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push({ field, message: 'not an absolute URL' });
    return;
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    problems.push({ field, message: 'must be https (http only on loopback hosts)' });
  if (url.username || url.password) problems.push({ field, message: 'must not carry credentials' });
}

function normalizeOidc(input: z.infer<typeof OidcInput>, problems: FieldProblem[]): OidcSettings {
  const { clientSecret: _secret, ...settings } = input;
  checkUrl(settings.issuer, 'oidc.issuer', problems);
  const endpoints = ['authorizationEndpoint', 'tokenEndpoint', 'jwksUri', 'userinfoEndpoint'] as const;
  for (const key of endpoints) if (settings[key] !== undefined) checkUrl(settings[key], `oidc.${key}`, problems);
  const explicit = endpoints.filter((key) => settings[key] !== undefined);
  // Without discovery the three endpoints a login needs must all be known.
  if (explicit.length > 0) {
    for (const key of ['authorizationEndpoint', 'tokenEndpoint', 'jwksUri'] as const) {
      if (settings[key] === undefined)
        problems.push({ field: `oidc.${key}`, message: 'required when endpoints are given explicitly (or give none and use discovery)' });
    }
  }
  if (!settings.scopes.includes('openid')) problems.push({ field: 'oidc.scopes', message: "must include 'openid'" });
  return settings;
}

function normalizeSaml(input: z.infer<typeof SamlInput>, problems: FieldProblem[]): SamlSettings {
  const certificates = [...(input.signingCertificates ?? []), ...(input.signingCertificate ? [input.signingCertificate] : [])];
  if (input.metadata !== undefined) {
    const explicit = (['entityId', 'ssoUrl', 'signingCertificate', 'signingCertificates'] as const).filter((k) => input[k] !== undefined);
    for (const key of explicit)
      problems.push({ field: `saml.${key}`, message: 'give either metadata or entityId, ssoUrl and signingCertificate, not both' });
    const parsed = parseIdpMetadata(input.metadata);
    checkUrl(parsed.ssoUrl, 'saml.metadata', problems);
    return {
      entityId: parsed.entityId,
      ssoUrl: parsed.ssoUrl,
      signingCertificates: parsed.signingCertificates,
      wantAssertionsSigned: input.wantAssertionsSigned,
      ...((input.nameIdFormat ?? parsed.nameIdFormat) ? { nameIdFormat: input.nameIdFormat ?? parsed.nameIdFormat } : {}),
      metadata: input.metadata,
      ...(input.subjectAttribute ? { subjectAttribute: input.subjectAttribute } : {}),
    };
  }
  if (!input.entityId) problems.push({ field: 'saml.entityId', message: 'required (or give metadata)' });
  if (!input.ssoUrl) problems.push({ field: 'saml.ssoUrl', message: 'required (or give metadata)' });
  else checkUrl(input.ssoUrl, 'saml.ssoUrl', problems);
  if (certificates.length === 0) problems.push({ field: 'saml.signingCertificate', message: 'required (or give metadata)' });
  const pems = certificates.map(toPem);
  pems.forEach((pem, i) => {
    if (!/^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+\n-----END CERTIFICATE-----$/.test(pem))
      problems.push({ field: `saml.signingCertificates.${i}`, message: 'not a PEM or base64 certificate' });
  });
  return {
    entityId: input.entityId ?? '',
    ssoUrl: input.ssoUrl ?? '',
    signingCertificates: pems,
    wantAssertionsSigned: input.wantAssertionsSigned,
    ...(input.nameIdFormat ? { nameIdFormat: input.nameIdFormat } : {}),
    ...(input.subjectAttribute ? { subjectAttribute: input.subjectAttribute } : {}),
  };
}

/** Validates what zod cannot (protocol sections, URLs, the user store) and builds the domain shape. */
export async function toDomain(
  ctx: AppContext,
  input: IdpInput,
): Promise<{ idp: Omit<IdentityProvider, 'id'>; clientSecret: string | undefined }> {
  const problems: FieldProblem[] = [];
  const other = input.protocol === 'oidc' ? 'saml' : 'oidc';
  if (input[other] !== undefined) problems.push({ field: other, message: `not allowed for protocol '${input.protocol}'` });
  if (input[input.protocol] === undefined) problems.push({ field: input.protocol, message: `required for protocol '${input.protocol}'` });
  const oidc = input.protocol === 'oidc' && input.oidc ? normalizeOidc(input.oidc, problems) : undefined;
  const saml = input.protocol === 'saml' && input.saml ? normalizeSaml(input.saml, problems) : undefined;
  const jit = { ...input.provisioning.jit };
  if (jit.userstore.toUpperCase() === AS_IN_USERNAME) jit.userstore = AS_IN_USERNAME;
  else {
    const store = await findUserStoreByDomain(ctx.store.db, jit.userstore);
    if (!store)
      problems.push({
        field: 'provisioning.jit.userstore',
        message: `user store '${jit.userstore}' does not exist (or use ${AS_IN_USERNAME})`,
      });
    else jit.userstore = store.domain;
  }
  const allowed: string[] = [];
  for (const [i, domain] of jit.allowedUserStores.entries()) {
    const store = await findUserStoreByDomain(ctx.store.db, domain);
    if (!store) problems.push({ field: `provisioning.jit.allowedUserStores.${i}`, message: `user store '${domain}' does not exist` });
    else if (!allowed.includes(store.domain)) allowed.push(store.domain);
  }
  jit.allowedUserStores = allowed;
  if (problems.length) throw invalidInput('validation_failed', `Invalid body: ${problems.map((p) => p.field).join(', ')}`, problems);
  return {
    idp: {
      name: input.name,
      protocol: input.protocol,
      enabled: input.enabled,
      trustEmail: input.trustEmail,
      ...(oidc ? { oidc } : {}),
      ...(saml ? { saml } : {}),
      claimMappings: input.claimMappings ?? defaultClaimMappings(input.protocol),
      roleMappings: input.roleMappings,
      jit,
      inactiveAfterDays: input.inactiveAfterDays,
    },
    clientSecret: input.protocol === 'oidc' ? input.oidc?.clientSecret : undefined,
  };
}

/** The stored IdP in input form (no secret), the base a merge patch applies to. */
export function toInputView(idp: IdentityProviderRecord): Record<string, unknown> {
  const saml = idp.saml
    ? idp.saml.metadata !== undefined
      ? {
          metadata: idp.saml.metadata,
          wantAssertionsSigned: idp.saml.wantAssertionsSigned,
          ...(idp.saml.nameIdFormat ? { nameIdFormat: idp.saml.nameIdFormat } : {}),
          ...(idp.saml.subjectAttribute ? { subjectAttribute: idp.saml.subjectAttribute } : {}),
        }
      : {
          entityId: idp.saml.entityId,
          ssoUrl: idp.saml.ssoUrl,
          signingCertificates: idp.saml.signingCertificates,
          wantAssertionsSigned: idp.saml.wantAssertionsSigned,
          ...(idp.saml.nameIdFormat ? { nameIdFormat: idp.saml.nameIdFormat } : {}),
          ...(idp.saml.subjectAttribute ? { subjectAttribute: idp.saml.subjectAttribute } : {}),
        }
    : undefined;
  return {
    name: idp.name,
    protocol: idp.protocol,
    enabled: idp.enabled,
    trustEmail: idp.trustEmail,
    ...(idp.oidc ? { oidc: { ...idp.oidc } } : {}),
    ...(saml ? { saml } : {}),
    claimMappings: idp.claimMappings,
    roleMappings: idp.roleMappings,
    provisioning: { jit: idp.jit },
    inactiveAfterDays: idp.inactiveAfterDays,
  };
}

export function presentIdentityProvider(publicUrl: string, idp: IdentityProviderRecord): z.infer<typeof IdpView> {
  const base = `${publicUrl}/federation/${idp.id}`;
  return {
    id: idp.id,
    name: idp.name,
    protocol: idp.protocol,
    enabled: idp.enabled,
    trustEmail: idp.trustEmail,
    ...(idp.oidc ? { oidc: { ...idp.oidc, hasClientSecret: idp.hasClientSecret, redirectUri: `${base}/callback` } } : {}),
    ...(idp.saml
      ? {
          saml: {
            ...idp.saml,
            sp: { entityId: `${base}/saml/metadata`, acsUrl: `${base}/saml/acs`, metadataUrl: `${base}/saml/metadata` },
          },
        }
      : {}),
    claimMappings: idp.claimMappings,
    roleMappings: idp.roleMappings,
    provisioning: { jit: idp.jit },
    inactiveAfterDays: idp.inactiveAfterDays,
    ...(idp.jit.associateByUsername
      ? {
          warnings: [
            {
              code: 'associate_by_username',
              message:
                `Identity provider '${idp.name}' links new identities to existing local users by username: anyone who can ` +
                `choose their username at this IdP can take over the local account of that name. Keep this on only ` +
                `if the IdP is trusted to assert local usernames.`,
            },
          ],
        }
      : {}),
    version: idp.version,
    createdAt: idp.createdAt.toISOString(),
    updatedAt: idp.updatedAt.toISOString(),
  };
}
