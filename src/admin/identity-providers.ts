// /api/v1/identity-providers: upstream OIDC and SAML identity providers, their claim and role mappings and their
// JIT policy (provisioning.jit as WSO2's IdP API shapes it). The OIDC client secret is write-only and sealed.
// Schemas: identity-provider-schema.ts; input checks and answers: identity-provider-input.ts.
import { randomUUID } from 'node:crypto';
import { createRoute } from '@hono/zod-openapi';
import { invalidInput, applyMergePatch, notFound } from '../domain/index.js';
import type { AppContext } from '../http/index.js';
import {
  recordAudit,
  type Actor,
  type Tx,
  findIdentityProvider,
  findIdentityProviderSecrets,
  insertIdentityProvider,
  listIdentityProviders,
  updateIdentityProvider,
  type IdentityProviderInput,
  type IdentityProviderRecord,
  sealedPlaces,
} from '../store/index.js';
import { deleteIdentityProviderWithUsers } from '../accounts/index.js';
import { createAdminRouter, fieldProblems } from './router.js';
import { conflictResponse, errorResponses, IdParam, jsonBody, jsonContent, mergePatchBody, notFoundResponse, security } from './schemas.js';
import { DeleteQuery, DeletionPreview, IdpInput, IdpList, IdpPatch, IdpView } from './identity-provider-schema.js';
import { presentIdentityProvider, toDomain, toInputView } from './identity-provider-input.js';

// ---- routes --------------------------------------------------------------------------------------------------

const tags = ['Identity providers'];
const list = createRoute({
  method: 'get',
  path: '/identity-providers',
  tags,
  summary: 'List identity providers',
  security,
  responses: { 200: jsonContent(IdpList, 'All identity providers'), ...errorResponses },
});
const create = createRoute({
  method: 'post',
  path: '/identity-providers',
  tags,
  summary: 'Register an upstream identity provider (OIDC or SAML)',
  security,
  request: jsonBody(IdpInput),
  responses: { 201: jsonContent(IdpView, 'Created'), ...errorResponses, ...conflictResponse },
});
const read = createRoute({
  method: 'get',
  path: '/identity-providers/{id}',
  tags,
  summary: 'Read an identity provider',
  security,
  request: { params: IdParam },
  responses: { 200: jsonContent(IdpView, 'The identity provider'), ...errorResponses, ...notFoundResponse },
});
const replace = createRoute({
  method: 'put',
  path: '/identity-providers/{id}',
  tags,
  summary: 'Replace an identity provider (an omitted clientSecret keeps the stored one; the protocol cannot change)',
  security,
  request: { params: IdParam, ...jsonBody(IdpInput) },
  responses: { 200: jsonContent(IdpView, 'The identity provider'), ...errorResponses, ...notFoundResponse, ...conflictResponse },
});
const patch = createRoute({
  method: 'patch',
  path: '/identity-providers/{id}',
  tags,
  summary: 'Change an identity provider (JSON merge patch)',
  security,
  request: { params: IdParam, ...mergePatchBody(IdpPatch) },
  responses: { 200: jsonContent(IdpView, 'The identity provider'), ...errorResponses, ...notFoundResponse, ...conflictResponse },
});
const remove = createRoute({
  method: 'delete',
  path: '/identity-providers/{id}',
  tags,
  summary: 'Delete an identity provider (preview with dryRun=true); its links go, its JIT users are detached, disabled or deleted',
  security,
  request: { params: IdParam, query: DeleteQuery },
  responses: {
    200: jsonContent(DeletionPreview, 'What the deletion would do (dryRun=true)'),
    204: { description: 'Deleted' },
    ...errorResponses,
    ...notFoundResponse,
    ...conflictResponse,
  },
});

export function identityProviderRoutes(ctx: AppContext) {
  const router = createAdminRouter();

  const load = async (id: string) => {
    const found = await findIdentityProvider(ctx.store.db, id);
    if (!found) throw notFound('identity_provider_not_found', `identity provider ${id} does not exist`);
    return found;
  };
  const present = (idp: IdentityProviderRecord) => presentIdentityProvider(ctx.config.publicUrl, idp);
  const audit = (tx: Tx, actor: Actor, action: string, idp: IdentityProviderRecord, details?: Record<string, unknown>) =>
    recordAudit(tx, {
      actorType: actor.type,
      actorId: actor.id,
      action,
      targetType: 'identity_provider',
      targetId: idp.id,
      outcome: 'success',
      details: { name: idp.name, protocol: idp.protocol, ...details },
    });

  /** Seals the new secret, keeps the stored one (undefined), or removes it (null). */
  const secretsFor = async (id: string, clientSecret: string | null | undefined): Promise<string | null | undefined> => {
    if (clientSecret === undefined) return undefined;
    if (clientSecret === null) return null;
    const current = await findIdentityProviderSecrets(ctx.store.db, ctx.store.secrets, id);
    return ctx.store.secrets.sealJson({ ...current, clientSecret }, sealedPlaces.identityProvider(id));
  };

  /** PUT and PATCH end here: validate, keep the protocol, write with an audit event. */
  const update = async (
    current: IdentityProviderRecord,
    input: IdpInput,
    clientSecret: string | null | undefined,
    actor: Actor,
    details: Record<string, unknown>,
  ) => {
    if (input.protocol !== current.protocol) {
      throw invalidInput('protocol_immutable', 'The protocol of an identity provider cannot change; create a new one', [
        { field: 'protocol', message: 'cannot change' },
      ]);
    }
    const { idp } = await toDomain(ctx, input);
    const sealedSecrets = input.protocol === 'oidc' ? await secretsFor(current.id, clientSecret) : null;
    const updated = await ctx.store.transaction(async (tx) => {
      const row = await updateIdentityProvider(tx, current.id, {
        ...idp,
        ...(sealedSecrets !== undefined ? { sealedSecrets } : {}),
      } satisfies IdentityProviderInput);
      await audit(tx, actor, 'identity_provider.update', row, details);
      return row;
    });
    return updated;
  };

  router.openapi(list, async (c) => c.json({ items: (await listIdentityProviders(ctx.store.db)).map(present) }, 200));

  router.openapi(create, async (c) => {
    const input = c.req.valid('json');
    const { idp, clientSecret } = await toDomain(ctx, input);
    // The id is chosen here: the sealed secret is bound to its row.
    const id = randomUUID();
    const sealedSecrets = clientSecret ? ctx.store.secrets.sealJson({ clientSecret }, sealedPlaces.identityProvider(id)) : null;
    const created = await ctx.store.transaction(async (tx) => {
      const row = await insertIdentityProvider(tx, { ...idp, id, sealedSecrets });
      await audit(tx, c.get('actor'), 'identity_provider.create', row);
      return row;
    });
    c.header('location', `${ctx.config.publicUrl}/api/v1/identity-providers/${created.id}`);
    return c.json(present(created), 201);
  });

  router.openapi(read, async (c) => c.json(present(await load(c.req.valid('param').id)), 200));

  router.openapi(replace, async (c) => {
    const current = await load(c.req.valid('param').id);
    const input = c.req.valid('json');
    const updated = await update(current, input, input.oidc?.clientSecret, c.get('actor'), { replaced: true });
    return c.json(present(updated), 200);
  });

  router.openapi(patch, async (c) => {
    const current = await load(c.req.valid('param').id);
    const body = c.req.valid('json');
    const merged = applyMergePatch(toInputView(current), body);
    const parsed = IdpInput.safeParse(merged);
    if (!parsed.success) {
      const fields = fieldProblems(parsed.error);
      throw invalidInput('validation_failed', `Invalid body: ${fields.map((f) => f.field).join(', ')}`, fields);
    }
    // The secret is write-only, so it is not in the merge base: a patch sets it (string) or removes it (null).
    const oidcPatch = (body as { oidc?: unknown }).oidc;
    const secretPatch =
      oidcPatch && typeof oidcPatch === 'object' && 'clientSecret' in oidcPatch
        ? (oidcPatch as { clientSecret: string | null }).clientSecret
        : undefined;
    const patchForAudit = JSON.parse(JSON.stringify(body, (key, value) => (key === 'clientSecret' ? '(changed)' : value))) as Record<
      string,
      unknown
    >;
    const updated = await update(current, parsed.data, secretPatch, c.get('actor'), { patch: patchForAudit });
    return c.json(present(updated), 200);
  });

  router.openapi(remove, async (c) => {
    const query = c.req.valid('query');
    const dryRun = query.dryRun === 'true';
    const result = await deleteIdentityProviderWithUsers(ctx.store, c.req.valid('param').id, {
      dryRun,
      force: query.force === 'true',
      users: query.users,
      actor: c.get('actor'),
    });
    return dryRun ? c.json(result, 200) : c.body(null, 204);
  });

  return router;
}
