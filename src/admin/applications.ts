// /api/v1/applications: apps that sign people in through jitbridge (OIDC clients; SAML service providers with
// protocol 'saml', whose schema and logic live in saml-application-schema.ts and saml-applications.ts). The client
// secret is generated, answered once (create, or regenerate) and stored as an scrypt hash; or supplied by the caller
// (configuration as code keeps it in a secret store), then never answered. The client id may be chosen at creation. Public clients
// (tokenEndpointAuthMethod none) always use PKCE. The sign-in flow is stored and checked by shape here;
// its MFA semantics belong to the login steps. Schemas and conversions: application-schema.ts.
import { randomBytes } from 'node:crypto';
import { createRoute } from '@hono/zod-openapi';
import {
  conflict,
  invalidInput,
  notFound,
  type FieldProblem,
  applyMergePatch,
  flowWarnings,
  signInFlowProblems,
  suppliedSecretProblem,
} from '../domain/index.js';
import type { AppContext } from '../http/index.js';
import { clientSettingsProblem } from '../oidc/index.js';
import {
  recordAudit,
  deleteApplication,
  findApplicationByClientId,
  findApplicationById,
  insertApplication,
  listApplications,
  updateApplication,
  type Application,
  forgetCachedApplications,
  generateToken,
  hashClientSecret,
  findIdentityProvider,
  readSettings,
  findApplicationProtocol,
  listSamlApplications,
} from '../store/index.js';
import { emailOtpAvailable } from '../accounts/index.js';
import { createAdminRouter, fieldProblems } from './router.js';
import type { SamlCreateInput } from './saml-application-schema.js';
import { createSamlApplications, parseBody } from './saml-applications.js';
import { conflictResponse, errorResponses, IdParam, jsonBody, jsonContent, mergePatchBody, notFoundResponse, security } from './schemas.js';
import {
  AnyApplication,
  AnyApplicationCreate,
  AnyApplicationPatch,
  ApplicationCreate,
  ApplicationList,
  ApplicationPatch,
  ApplicationSchema,
  fromApplication,
  samlBodies,
  toInput,
  type Input,
  type Warning,
} from './application-schema.js';

/** Cross-field rules and references; returns warnings that do not block the write. */
async function check(ctx: AppContext, input: Input): Promise<Warning[]> {
  const problems: FieldProblem[] = [];
  if (input.tokenEndpointAuthMethod === 'none' && !input.requirePkce) {
    problems.push({ field: 'requirePkce', message: 'public clients (tokenEndpointAuthMethod none) must use PKCE' });
  }
  if (!input.grantTypes.includes('authorization_code')) problems.push({ field: 'grantTypes', message: 'must include authorization_code' });
  if (input.clientSecret !== undefined) {
    const weak = suppliedSecretProblem(input.clientSecret);
    if (input.tokenEndpointAuthMethod === 'none')
      problems.push({ field: 'clientSecret', message: 'a public client (tokenEndpointAuthMethod none) has no secret' });
    else if (weak) problems.push({ field: 'clientSecret', message: weak });
  }
  const idps = await Promise.all(input.identityProviders.map((id) => findIdentityProvider(ctx.store.db, id)));
  idps.forEach((idp, i) => {
    if (!idp) problems.push({ field: `identityProviders.${i}`, message: `identity provider ${input.identityProviders[i]} does not exist` });
  });
  // Step rules (step 1: LOCAL/IdPs of this app; later steps: TOTP/EMAIL_OTP; `when` on steps 2+): domain/sign-in-flow.ts.
  problems.push(...signInFlowProblems(input.signInFlow, { allowedIdpIds: input.identityProviders }));
  if (problems.length === 0) {
    // What oidc-provider itself will require of the client (redirect URI rules for web and native apps).
    const problem = await clientSettingsProblem(ctx, {
      clientId: 'validation',
      clientSecretHash:
        input.tokenEndpointAuthMethod === 'none' ? null : 'hmac-sha256$validation-placeholder-0123456789abcdef0123456789abcdef',
      name: input.name,
      oidc: toInput(input).oidc,
    });
    if (problem) problems.push({ field: 'redirectUris', message: problem });
  }
  if (problems.length > 0) throw invalidInput('validation_failed', `Invalid body: ${problems.map((p) => p.field).join(', ')}`, problems);

  const known = idps.filter((idp): idp is NonNullable<typeof idp> => idp !== undefined);
  return flowWarnings(input.signInFlow, known, {
    emailOtpAvailable: emailOtpAvailable(ctx.config),
    enhancedFeature: (await readSettings(ctx.store.db)).jit.enhancedFeature,
  });
}

const tags = ['Applications'];
const list = createRoute({
  method: 'get',
  path: '/applications',
  tags,
  summary: 'List applications',
  security,
  responses: { 200: jsonContent(ApplicationList, 'All applications'), ...errorResponses },
});
const create = createRoute({
  method: 'post',
  path: '/applications',
  tags,
  summary: 'Register an application (the answer carries the client secret, once)',
  security,
  request: jsonBody(AnyApplicationCreate),
  responses: { 201: jsonContent(AnyApplication, 'Created'), ...errorResponses, ...conflictResponse },
});
const read = createRoute({
  method: 'get',
  path: '/applications/{id}',
  tags,
  summary: 'Read an application',
  security,
  request: { params: IdParam },
  responses: { 200: jsonContent(AnyApplication, 'The application'), ...errorResponses, ...notFoundResponse },
});
const replace = createRoute({
  method: 'put',
  path: '/applications/{id}',
  tags,
  summary: 'Replace an application’s settings (the client id and secret stay)',
  security,
  request: { params: IdParam, ...jsonBody(AnyApplicationCreate) },
  responses: { 200: jsonContent(AnyApplication, 'The application'), ...errorResponses, ...notFoundResponse },
});
const patch = createRoute({
  method: 'patch',
  path: '/applications/{id}',
  tags,
  summary: 'Change an application (JSON merge patch)',
  security,
  request: { params: IdParam, ...mergePatchBody(AnyApplicationPatch) },
  responses: { 200: jsonContent(AnyApplication, 'The application'), ...errorResponses, ...notFoundResponse },
});
const regenerate = createRoute({
  method: 'post',
  path: '/applications/{id}/client-secret',
  tags,
  summary: 'Issue a new client secret (answered once; the old one stops working)',
  security,
  request: { params: IdParam },
  responses: { 200: jsonContent(ApplicationSchema, 'The application with its new secret'), ...errorResponses, ...notFoundResponse },
});
const remove = createRoute({
  method: 'delete',
  path: '/applications/{id}',
  tags,
  summary: 'Delete an application (its tokens stop working)',
  security,
  request: { params: IdParam },
  responses: { 204: { description: 'Deleted' }, ...errorResponses, ...notFoundResponse },
});

export function applicationRoutes(ctx: AppContext) {
  const router = createAdminRouter();
  const saml = createSamlApplications(ctx);
  const present = (app: Application, extra: { clientSecret?: string; warnings?: Warning[] } = {}) => ({
    id: app.id,
    protocol: 'oidc' as const,
    ...fromApplication(app),
    clientId: app.clientId,
    ...(extra.clientSecret ? { clientSecret: extra.clientSecret } : {}),
    issuer: `${ctx.config.publicUrl}/oidc`,
    ...(extra.warnings && extra.warnings.length > 0 ? { warnings: extra.warnings } : {}),
    createdAt: app.createdAt.toISOString(),
    updatedAt: app.updatedAt.toISOString(),
  });
  const audit = (
    tx: Parameters<typeof recordAudit>[0],
    actorId: string | null,
    action: string,
    app: Application,
    details?: Record<string, unknown>,
  ) =>
    recordAudit(tx, {
      actorType: 'admin',
      actorId,
      action,
      targetType: 'application',
      targetId: app.id,
      outcome: 'success',
      details: { name: app.name, clientId: app.clientId, ...details },
    });
  const load = async (id: string) => {
    const found = await findApplicationById(ctx.store.db, id);
    if (!found) throw notFound('application_not_found', `application ${id} does not exist`);
    return found;
  };
  /** A secret for confidential clients; public clients have none. */
  const newSecret = async (method: Input['tokenEndpointAuthMethod']) => {
    if (method === 'none') return { secret: undefined, hash: null };
    const secret = generateToken('jbcs_');
    return { secret, hash: hashClientSecret(ctx.store.secrets, secret) };
  };
  /** A supplied secret is stored like a generated one but never answered: the caller has it. */
  const suppliedSecret = async (secret: string) => ({ secret: undefined, hash: hashClientSecret(ctx.store.secrets, secret) });

  router.openapi(list, async (c) => {
    const oidc = (await listApplications(ctx.store.db)).map((a) => present(a));
    const samlApps = (await listSamlApplications(ctx.store.db)).map((a) => saml.present(a));
    const items = [...oidc, ...samlApps].sort((a, b) => (a.name === b.name ? a.id.localeCompare(b.id) : a.name < b.name ? -1 : 1));
    return c.json({ items }, 200);
  });

  router.openapi(create, async (c) => {
    const body = c.req.valid('json');
    if (body.protocol === 'saml') return c.json(await saml.create(c.get('actor').id, body as SamlCreateInput), 201);
    const input = body;
    const warnings = await check(ctx, input);
    if (input.clientId !== undefined && (await findApplicationByClientId(ctx.store.db, input.clientId))) {
      throw conflict('client_id_taken', `An application with client id '${input.clientId}' exists`, [
        { field: 'clientId', message: 'taken' },
      ]);
    }
    const { secret, hash } =
      input.clientSecret !== undefined ? await suppliedSecret(input.clientSecret) : await newSecret(input.tokenEndpointAuthMethod);
    const created = await ctx.store.transaction(async (tx) => {
      const app = await insertApplication(tx, {
        ...toInput(input),
        clientId: input.clientId ?? `app_${randomBytes(12).toString('base64url')}`,
        clientSecretHash: hash,
      });
      await audit(tx, c.get('actor').id, 'application.create', app);
      return app;
    });
    c.header('location', `${ctx.config.publicUrl}/api/v1/applications/${created.id}`);
    return c.json(present(created, { clientSecret: secret, warnings }), 201);
  });

  router.openapi(read, async (c) => {
    const { id } = c.req.valid('param');
    const samlApp = await saml.find(id);
    return c.json(samlApp ? saml.present(samlApp) : present(await load(id)), 200);
  });

  /** PUT and PATCH: a change to a confidential client keeps its secret; turning public drops it; turning confidential issues one. */
  async function change(actorId: string | null, current: Application, input: Input, details: Record<string, unknown>) {
    if (input.clientId !== undefined && input.clientId !== current.clientId) {
      throw invalidInput('client_id_immutable', 'The client id of an application cannot change', [
        { field: 'clientId', message: 'cannot change' },
      ]);
    }
    const warnings = await check(ctx, input);
    let clientSecret: string | undefined;
    let clientSecretHash: string | null | undefined;
    if (input.tokenEndpointAuthMethod === 'none') clientSecretHash = null;
    else if (input.clientSecret !== undefined) clientSecretHash = (await suppliedSecret(input.clientSecret)).hash;
    else if (!current.clientSecretHash) {
      const fresh = await newSecret(input.tokenEndpointAuthMethod);
      clientSecret = fresh.secret;
      clientSecretHash = fresh.hash;
    }
    const updated = await ctx.store.transaction(async (tx) => {
      const app = await updateApplication(tx, current.id, { ...toInput(input), clientSecretHash });
      await audit(tx, actorId, 'application.update', app, {
        ...details,
        ...(input.clientSecret !== undefined ? { secretChanged: true } : {}),
      });
      return app;
    });
    forgetCachedApplications(ctx.store.db);
    return present(updated, { clientSecret, warnings });
  }

  router.openapi(replace, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const protocol = await findApplicationProtocol(ctx.store.db, id);
    if (protocol && protocol !== body.protocol) {
      throw invalidInput('protocol_immutable', `This is an ${protocol} application; its protocol cannot change`, [
        { field: 'protocol', message: `must be ${protocol}` },
      ]);
    }
    if (body.protocol === 'saml')
      return c.json(await saml.replace(c.get('actor').id, id, body as SamlCreateInput, { replaced: true }), 200);
    const input = body;
    return c.json(await change(c.get('actor').id, await load(id), input, { replaced: true }), 200);
  });

  router.openapi(patch, async (c) => {
    const { id } = c.req.valid('param');
    if ((await findApplicationProtocol(ctx.store.db, id)) === 'saml') {
      const samlPatch = parseBody(samlBodies.patch, c.req.valid('json'));
      return c.json(await saml.patch(c.get('actor').id, id, samlPatch, { create: samlBodies.create as never }), 200);
    }
    const body = parseBody(ApplicationPatch, c.req.valid('json'));
    const current = await load(id);
    const merged = ApplicationCreate.safeParse(applyMergePatch(fromApplication(current), body));
    if (!merged.success) throw invalidInput('validation_failed', 'Invalid body after applying the patch', fieldProblems(merged.error));
    return c.json(await change(c.get('actor').id, current, merged.data, { patch: Object.keys(body) }), 200);
  });

  router.openapi(regenerate, async (c) => {
    const current = await load(c.req.valid('param').id);
    if (current.oidc.tokenEndpointAuthMethod === 'none') {
      throw invalidInput('public_client', 'A public client (tokenEndpointAuthMethod none) has no client secret', [
        { field: 'tokenEndpointAuthMethod', message: 'is none' },
      ]);
    }
    const { secret, hash } = await newSecret(current.oidc.tokenEndpointAuthMethod);
    const updated = await ctx.store.transaction(async (tx) => {
      const app = await updateApplication(tx, current.id, { ...toInput(fromApplication(current)), clientSecretHash: hash });
      await audit(tx, c.get('actor').id, 'application.secret.regenerate', app);
      return app;
    });
    forgetCachedApplications(ctx.store.db);
    return c.json(present(updated, { clientSecret: secret }), 200);
  });

  router.openapi(remove, async (c) => {
    const { id } = c.req.valid('param');
    if ((await findApplicationProtocol(ctx.store.db, id)) === 'saml') {
      await saml.remove(c.get('actor').id, id);
      return c.body(null, 204);
    }
    await ctx.store.transaction(async (tx) => {
      const deleted = await deleteApplication(tx, id);
      if (!deleted) throw notFound('application_not_found', `application ${id} does not exist`);
      await audit(tx, c.get('actor').id, 'application.delete', deleted);
    });
    forgetCachedApplications(ctx.store.db);
    return c.body(null, 204);
  });

  return router;
}
