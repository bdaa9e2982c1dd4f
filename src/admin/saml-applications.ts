// SAML applications in /api/v1/applications: the logic behind protocol 'saml', called by applications.ts so the
// resource stays one (apps of both protocols share identity providers and the sign-in flow). Settings are the
// explicit fields over what imported SP metadata says over the defaults; then checked as a whole, each problem
// naming its field.
import {
  invalidInput,
  notFound,
  conflict,
  type FieldProblem,
  applyMergePatch,
  type SamlAppSettings,
  flowWarnings,
  signInFlowProblems,
  parseAttributePath,
} from '../domain/index.js';
import { type AppContext } from '../http/index.js';
import { type OutboundNetwork, outboundNetworkFor } from '../net/index.js';
import { fetchSpMetadata, readSpMetadata, type ImportedSettings, SamlIdpError } from '../saml-idp/index.js';
import {
  recordAudit,
  isUniqueViolation,
  findIdentityProvider,
  deleteSamlApplication,
  forgetCachedApplications,
  findSamlApplicationById,
  insertSamlApplication,
  updateSamlApplication,
  type SamlApplication,
  type SamlApplicationInput,
  readSettings,
} from '../store/index.js';
import { emailOtpAvailable } from '../accounts/index.js';
import { idpEndpoints, readCertificate } from '../saml-idp/index.js';
import { fieldProblems } from './router.js';
import type { SamlCreateInput } from './saml-application-schema.js';
import type { z } from '@hono/zod-openapi';

type Warning = { code: string; message: string };
const fail = (problems: FieldProblem[]) =>
  invalidInput('validation_failed', `Invalid body: ${problems.map((p) => p.field).join(', ')}`, problems);

/** A body validated by a schema, failing as the admin router's own validation does. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw fail(fieldProblems(parsed.error));
  return parsed.data;
}

async function imported(input: SamlCreateInput['saml'], fetchMetadata: typeof fetch): Promise<ImportedSettings | null> {
  const metadata = input.metadata;
  if (!metadata) return null;
  if (Boolean(metadata.xml) === Boolean(metadata.url)) throw fail([{ field: 'saml.metadata', message: 'give either xml or url' }]);
  try {
    return readSpMetadata(metadata.xml ?? (await fetchSpMetadata(metadata.url!, fetchMetadata)));
  } catch (error) {
    if (error instanceof SamlIdpError)
      throw fail([{ field: metadata.xml ? 'saml.metadata.xml' : 'saml.metadata.url', message: error.message }]);
    throw error;
  }
}

const defaultSource = (format: SamlAppSettings['nameId']['format']) =>
  format === 'persistent' ? '$pairwise' : format === 'emailAddress' ? '$primaryEmail' : format === 'transient' ? '$transient' : 'userName';

/**
 * Explicit fields over metadata over defaults, then every cross-field rule. `fetchMetadata` is the outbound network's
 * guarded fetch (src/net): a metadata URL is aimed by an admin, so it obeys OUTBOUND_ALLOWED_NETWORKS.
 */
export async function resolveSamlSettings(
  input: SamlCreateInput['saml'],
  fetchMetadata: typeof fetch,
): Promise<{ settings: SamlAppSettings; warnings: Warning[] }> {
  const meta = await imported(input, fetchMetadata);
  const problems: FieldProblem[] = [];
  const warnings: Warning[] = [];
  for (const ignored of meta?.ignoredAcs ?? []) {
    warnings.push({
      code: 'acs_binding_ignored',
      message: `ACS ${ignored} is not HTTP-POST and was not imported (responses go by HTTP-POST only)`,
    });
  }
  const entityId = input.entityId ?? meta?.entityId;
  if (!entityId) problems.push({ field: 'saml.entityId', message: 'required (or import metadata)' });
  const acsInput = input.assertionConsumerServices ?? meta?.assertionConsumerServices ?? [];
  if (acsInput.length === 0) problems.push({ field: 'saml.assertionConsumerServices', message: 'at least one HTTP-POST ACS is required' });
  const acs = acsInput.map((a, position) => ({
    binding: 'HTTP-POST' as const,
    url: a.url,
    index: a.index ?? position,
    isDefault: a.isDefault ?? false,
  }));
  if (new Set(acs.map((a) => a.index)).size !== acs.length)
    problems.push({ field: 'saml.assertionConsumerServices', message: 'indexes must be unique' });
  if (acs.filter((a) => a.isDefault).length > 1)
    problems.push({ field: 'saml.assertionConsumerServices', message: 'at most one may be the default' });

  const certificates = (list: string[], field: string) =>
    list.map((pem, i) => {
      const read = readCertificate(pem);
      if (!read.ok) {
        problems.push({ field: `${field}.${i}`, message: read.reason });
        return pem;
      }
      if (read.info.expired) warnings.push({ code: 'certificate_expired', message: `${field}.${i} expired on ${read.info.notAfter}` });
      return read.pem;
    });
  const signingCertificates = certificates(input.signingCertificates ?? meta?.signingCertificates ?? [], 'saml.signingCertificates');
  const encryptionInput = input.encryptionCertificate !== undefined ? input.encryptionCertificate : (meta?.encryptionCertificate ?? null);
  const encryptionCertificate = encryptionInput === null ? null : certificates([encryptionInput], 'saml.encryptionCertificate')[0]!;

  const wantAuthnRequestsSigned = input.wantAuthnRequestsSigned ?? meta?.wantAuthnRequestsSigned ?? false;
  if (wantAuthnRequestsSigned && signingCertificates.length === 0) {
    problems.push({ field: 'saml.wantAuthnRequestsSigned', message: 'needs the SP signing certificate (saml.signingCertificates)' });
  }
  const format = input.nameId?.format ?? meta?.nameId?.format ?? 'persistent';
  const source = input.nameId?.source ?? (input.nameId?.format ? undefined : meta?.nameId?.source) ?? defaultSource(format);
  if (source === '$pairwise' && format !== 'persistent')
    problems.push({ field: 'saml.nameId.source', message: '$pairwise is for the persistent format' });
  if (format === 'transient' && source !== '$transient')
    problems.push({ field: 'saml.nameId.source', message: 'a transient NameID is $transient' });
  if (source === '$transient' && format !== 'transient')
    problems.push({ field: 'saml.nameId.source', message: '$transient is for the transient format' });
  if (!source.startsWith('$')) {
    const parsed = parseAttributePath(source);
    if (!parsed.ok) problems.push({ field: 'saml.nameId.source', message: parsed.reason });
  } else if (!['$pairwise', '$transient', '$sub', '$primaryEmail'].includes(source)) {
    problems.push({ field: 'saml.nameId.source', message: 'one of $pairwise, $transient, $sub, $primaryEmail or a SCIM attribute path' });
  }

  const signResponse = input.signResponse ?? true;
  const signAssertion = input.signAssertion ?? meta?.signAssertion ?? true;
  if (!signResponse && !signAssertion)
    problems.push({ field: 'saml.signAssertion', message: 'the Response, the assertion or both must be signed' });
  const encryption = input.encryption ?? null;
  if (encryption && !encryptionCertificate)
    problems.push({ field: 'saml.encryption', message: 'needs the SP encryption certificate (saml.encryptionCertificate)' });
  const singleLogoutService = input.singleLogoutService !== undefined ? input.singleLogoutService : (meta?.singleLogoutService ?? null);
  if (singleLogoutService && signingCertificates.length === 0) {
    warnings.push({
      code: 'slo_needs_signing_certificate',
      message: 'Single Logout messages must be signed: without the SP signing certificate its logout requests are refused',
    });
  }
  if (problems.length > 0) throw fail(problems);
  return {
    warnings,
    settings: {
      entityId: entityId!,
      assertionConsumerServices: acs,
      singleLogoutService: singleLogoutService ? { ...singleLogoutService, responseUrl: singleLogoutService.responseUrl ?? null } : null,
      signingCertificates,
      encryptionCertificate,
      wantAuthnRequestsSigned,
      nameId: { format, source },
      attributes: (input.attributes ?? []).map((a) => ({
        name: a.name,
        nameFormat: a.nameFormat,
        friendlyName: a.friendlyName,
        value: a.value,
      })),
      assertionLifetimeSeconds: input.assertionLifetimeSeconds ?? 300,
      signResponse,
      signAssertion,
      encryption,
      idpInitiated: input.idpInitiated ?? { enabled: false, defaultRelayState: null },
    },
  };
}

/** The stored app as a create body (for PATCH): the settings without the read-only parts. */
export const samlInputOf = (app: SamlApplication): SamlCreateInput => ({
  protocol: 'saml',
  name: app.name,
  saml: { ...app.saml },
  identityProviders: app.identityProviders,
  signInFlow: app.signInFlow,
});

export function createSamlApplications(ctx: AppContext) {
  // Built at first use: the OpenAPI document is rendered from these routes without a configuration.
  let network: OutboundNetwork | undefined;
  const outbound = () => (network ??= outboundNetworkFor(ctx.config));
  const present = (app: SamlApplication, warnings: Warning[] = []) => {
    const endpoints = idpEndpoints(ctx.config.publicUrl);
    const certificates = [
      ...app.saml.signingCertificates.map((pem) => ['signing', pem] as const),
      ...(app.saml.encryptionCertificate ? [['encryption', app.saml.encryptionCertificate] as const] : []),
    ].flatMap(([use, pem]) => {
      const read = readCertificate(pem);
      return read.ok
        ? [
            {
              use,
              subject: read.info.subject,
              notBefore: read.info.notBefore,
              notAfter: read.info.notAfter,
              expired: read.info.expired,
              sha256Fingerprint: read.info.sha256Fingerprint,
            },
          ]
        : [];
    });
    return {
      id: app.id,
      protocol: 'saml' as const,
      name: app.name,
      saml: { ...app.saml, certificates },
      identityProviders: app.identityProviders,
      signInFlow: app.signInFlow,
      idp: {
        entityId: endpoints.entityId,
        metadataUrl: endpoints.metadataUrl,
        ssoUrl: endpoints.ssoUrl,
        sloUrl: endpoints.sloUrl,
        idpInitiatedUrl: app.saml.idpInitiated.enabled ? `${ctx.config.publicUrl}/saml/idp-initiated/${app.id}` : null,
      },
      ...(warnings.length > 0 ? { warnings } : {}),
      createdAt: app.createdAt.toISOString(),
      updatedAt: app.updatedAt.toISOString(),
    };
  };

  /** Settings, identity providers and sign-in flow checked as for OIDC apps. */
  async function prepare(input: SamlCreateInput): Promise<{ app: SamlApplicationInput; warnings: Warning[] }> {
    const { settings, warnings } = await resolveSamlSettings(input.saml, outbound().fetch);
    const identityProviders = [...new Set(input.identityProviders)];
    const idps = await Promise.all(identityProviders.map((id) => findIdentityProvider(ctx.store.db, id)));
    const problems: FieldProblem[] = [];
    idps.forEach((idp, i) => {
      if (!idp) problems.push({ field: `identityProviders.${i}`, message: `identity provider ${identityProviders[i]} does not exist` });
    });
    problems.push(...signInFlowProblems(input.signInFlow as never, { allowedIdpIds: identityProviders }));
    if (problems.length > 0) throw fail(problems);
    const known = idps.filter((idp): idp is NonNullable<typeof idp> => idp !== undefined);
    const flow = flowWarnings(input.signInFlow as never, known, {
      emailOtpAvailable: emailOtpAvailable(ctx.config),
      enhancedFeature: (await readSettings(ctx.store.db)).jit.enhancedFeature,
    });
    return { app: { name: input.name, saml: settings, identityProviders, signInFlow: input.signInFlow }, warnings: [...warnings, ...flow] };
  }

  const duplicate = (error: unknown) => {
    if (isUniqueViolation(error)) {
      return conflict('saml_entity_id_taken', 'Another SAML application has this entity ID', [
        { field: 'saml.entityId', message: 'already registered' },
      ]);
    }
    return error;
  };
  const audit = (
    tx: Parameters<typeof recordAudit>[0],
    actorId: string | null,
    action: string,
    app: SamlApplication,
    details?: Record<string, unknown>,
  ) =>
    recordAudit(tx, {
      actorType: 'admin',
      actorId,
      action,
      targetType: 'application',
      targetId: app.id,
      outcome: 'success',
      details: { name: app.name, protocol: 'saml', entityId: app.saml.entityId, ...details },
    });

  async function load(id: string): Promise<SamlApplication> {
    const found = await findSamlApplicationById(ctx.store.db, id);
    if (!found) throw notFound('application_not_found', `application ${id} does not exist`);
    return found;
  }

  return {
    present,
    find: (id: string) => findSamlApplicationById(ctx.store.db, id),
    async create(actorId: string | null, input: SamlCreateInput) {
      const { app, warnings } = await prepare(input);
      try {
        const created = await ctx.store.transaction(async (tx) => {
          const row = await insertSamlApplication(tx, app);
          await audit(tx, actorId, 'application.create', row);
          return row;
        });
        return present(created, warnings);
      } catch (error) {
        throw duplicate(error);
      }
    },
    async replace(actorId: string | null, id: string, input: SamlCreateInput, details: Record<string, unknown>) {
      await load(id);
      const { app, warnings } = await prepare(input);
      try {
        const updated = await ctx.store.transaction(async (tx) => {
          const row = (await updateSamlApplication(tx, id, app))!;
          await audit(tx, actorId, 'application.update', row, details);
          return row;
        });
        // Its sign-in reads it as the OpenID Provider's client `saml:<id>`, which is cached by client id.
        forgetCachedApplications(ctx.store.db);
        return present(updated, warnings);
      } catch (error) {
        throw duplicate(error);
      }
    },
    async patch(actorId: string | null, id: string, body: Record<string, unknown>, schemas: { create: z.ZodType<SamlCreateInput> }) {
      const current = await load(id);
      const merged = applyMergePatch(samlInputOf(current) as never, body as never);
      const input = schemas.create.safeParse(merged);
      if (!input.success) throw invalidInput('validation_failed', 'Invalid body after applying the patch', fieldProblems(input.error));
      return this.replace(actorId, id, input.data, { patch: Object.keys(body) });
    },
    async remove(actorId: string | null, id: string): Promise<boolean> {
      const removed = await ctx.store.transaction(async (tx) => {
        const deleted = await deleteSamlApplication(tx, id);
        if (deleted) await audit(tx, actorId, 'application.delete', deleted);
        return Boolean(deleted);
      });
      forgetCachedApplications(ctx.store.db);
      return removed;
    },
  };
}
