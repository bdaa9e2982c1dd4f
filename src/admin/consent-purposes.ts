// /api/v1/consent-purposes: JIT consent purposes (purpose, description, PII categories = SCIM User
// attribute + mandatory), shown on the consent page of the PROMPT_*_CONSENT provisioning schemes.
import { createRoute, z } from '@hono/zod-openapi';
import { invalidInput, notFound, normalisePiiCategories, type PiiCategory, applyMergePatch } from '../domain/index.js';
import type { AppContext } from '../http/index.js';
import {
  recordAudit,
  deleteConsentPurpose,
  findConsentPurpose,
  insertConsentPurpose,
  listConsentPurposes,
  updateConsentPurpose,
  type ConsentPurposeInput,
  type StoredConsentPurpose,
  type Executor,
} from '../store/index.js';
import { createAdminRouter } from './router.js';
import { errorResponses, IdParam, jsonBody, jsonContent, mergePatchBody, notFoundResponse, security } from './schemas.js';

const PiiCategorySchema = z
  .object({
    claim: z.string().min(1).max(300).openapi({
      description: 'A SCIM User attribute path: `displayName`, `name.givenName`, `emails[type eq "work"].value`, or an enterprise URN path',
      example: 'phoneNumbers[type eq "mobile"].value',
    }),
    mandatory: z.boolean().default(false).openapi({ description: 'Without consent to it no user is provisioned' }),
  })
  .strict()
  .openapi('PiiCategory');

const ConsentPurposeSchema = z
  .object({
    id: z.uuid(),
    purpose: z.string(),
    description: z.string(),
    piiCategories: z.array(z.object({ claim: z.string(), mandatory: z.boolean() })),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('ConsentPurpose');

const fields = {
  purpose: z.string().trim().min(1).max(200).openapi({ example: 'Account recovery' }),
  description: z
    .string()
    .max(2000)
    .default('')
    .openapi({ example: 'We use your phone number and email to help you recover your account.' }),
  piiCategories: z.array(PiiCategorySchema).min(1).max(50),
};

const ConsentPurposeCreate = z.object(fields).strict().openapi('ConsentPurposeCreate');

const ConsentPurposePatch = z
  .object({ purpose: fields.purpose, description: z.string().max(2000).nullable(), piiCategories: fields.piiCategories })
  .partial()
  .strict()
  .openapi('ConsentPurposePatch', { description: 'JSON merge patch; piiCategories is replaced as a whole' });

const ConsentPurposeList = z.object({ items: z.array(ConsentPurposeSchema) }).openapi('ConsentPurposeList');

const present = (p: StoredConsentPurpose) => ({
  id: p.id,
  purpose: p.purpose,
  description: p.description,
  piiCategories: p.piiCategories,
  createdAt: p.createdAt.toISOString(),
  updatedAt: p.updatedAt.toISOString(),
});

/** Canonical paths, or a 400 naming each bad `piiCategories.<i>.claim`. */
function checked(input: { purpose: string; description: string; piiCategories: PiiCategory[] }): ConsentPurposeInput {
  const { categories, problems } = normalisePiiCategories(input.piiCategories);
  if (problems.length > 0)
    throw invalidInput('invalid_pii_category', `Invalid PII categories: ${problems.map((p) => p.message).join('; ')}`, problems);
  return { purpose: input.purpose, description: input.description, piiCategories: categories };
}

const tags = ['Consent purposes'];
const list = createRoute({
  method: 'get',
  path: '/consent-purposes',
  tags,
  summary: 'List JIT consent purposes',
  security,
  responses: {
    200: jsonContent(ConsentPurposeList, 'All consent purposes, oldest first (the order the consent page shows)'),
    ...errorResponses,
  },
});
const create = createRoute({
  method: 'post',
  path: '/consent-purposes',
  tags,
  summary: 'Create a JIT consent purpose',
  security,
  request: jsonBody(ConsentPurposeCreate),
  responses: { 201: jsonContent(ConsentPurposeSchema, 'Created'), ...errorResponses },
});
const read = createRoute({
  method: 'get',
  path: '/consent-purposes/{id}',
  tags,
  summary: 'Read a JIT consent purpose',
  security,
  request: { params: IdParam },
  responses: { 200: jsonContent(ConsentPurposeSchema, 'The consent purpose'), ...errorResponses, ...notFoundResponse },
});
const replace = createRoute({
  method: 'put',
  path: '/consent-purposes/{id}',
  tags,
  summary: 'Replace a JIT consent purpose',
  security,
  request: { params: IdParam, ...jsonBody(ConsentPurposeCreate) },
  responses: { 200: jsonContent(ConsentPurposeSchema, 'The consent purpose'), ...errorResponses, ...notFoundResponse },
});
const patch = createRoute({
  method: 'patch',
  path: '/consent-purposes/{id}',
  tags,
  summary: 'Change a JIT consent purpose (JSON merge patch)',
  security,
  request: { params: IdParam, ...mergePatchBody(ConsentPurposePatch) },
  responses: { 200: jsonContent(ConsentPurposeSchema, 'The consent purpose'), ...errorResponses, ...notFoundResponse },
});
const remove = createRoute({
  method: 'delete',
  path: '/consent-purposes/{id}',
  tags,
  summary: 'Delete a JIT consent purpose (receipts keep their copy of it)',
  security,
  request: { params: IdParam },
  responses: { 204: { description: 'Deleted' }, ...errorResponses, ...notFoundResponse },
});

export function consentPurposeRoutes(ctx: AppContext) {
  const router = createAdminRouter();
  const audit = (tx: Executor, actorId: string | null, action: string, target: StoredConsentPurpose) =>
    recordAudit(tx, {
      actorType: 'admin',
      actorId,
      action,
      targetType: 'consent_purpose',
      targetId: target.id,
      outcome: 'success',
      details: { purpose: target.purpose, piiCategories: target.piiCategories },
    });
  const load = async (id: string) => {
    const found = await findConsentPurpose(ctx.store.db, id);
    if (!found) throw notFound('consent_purpose_not_found', `consent purpose ${id} does not exist`);
    return found;
  };

  router.openapi(list, async (c) => c.json({ items: (await listConsentPurposes(ctx.store.db)).map(present) }, 200));

  router.openapi(create, async (c) => {
    const input = checked(c.req.valid('json'));
    const created = await ctx.store.transaction(async (tx) => {
      const row = await insertConsentPurpose(tx, input);
      await audit(tx, c.get('actor').id, 'consent_purpose.create', row);
      return row;
    });
    c.header('location', `${ctx.config.publicUrl}/api/v1/consent-purposes/${created.id}`);
    return c.json(present(created), 201);
  });

  router.openapi(read, async (c) => c.json(present(await load(c.req.valid('param').id)), 200));

  router.openapi(replace, async (c) => {
    const { id } = c.req.valid('param');
    const input = checked(c.req.valid('json'));
    const updated = await ctx.store.transaction(async (tx) => {
      const row = await updateConsentPurpose(tx, id, input);
      await audit(tx, c.get('actor').id, 'consent_purpose.update', row);
      return row;
    });
    return c.json(present(updated), 200);
  });

  router.openapi(patch, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const current = await load(id);
    const merged = applyMergePatch(
      { purpose: current.purpose, description: current.description, piiCategories: current.piiCategories },
      body,
    ) as {
      purpose?: string;
      description?: string | null;
      piiCategories?: PiiCategory[];
    };
    if (!merged.purpose) throw invalidInput('validation_failed', 'Invalid body: purpose', [{ field: 'purpose', message: 'required' }]);
    const input = checked({ purpose: merged.purpose, description: merged.description ?? '', piiCategories: merged.piiCategories ?? [] });
    const updated = await ctx.store.transaction(async (tx) => {
      const row = await updateConsentPurpose(tx, id, input);
      await audit(tx, c.get('actor').id, 'consent_purpose.update', row);
      return row;
    });
    return c.json(present(updated), 200);
  });

  router.openapi(remove, async (c) => {
    const { id } = c.req.valid('param');
    await ctx.store.transaction(async (tx) => {
      const row = await deleteConsentPurpose(tx, id);
      if (!row) throw notFound('consent_purpose_not_found', `consent purpose ${id} does not exist`);
      await audit(tx, c.get('actor').id, 'consent_purpose.delete', row);
    });
    return c.body(null, 204);
  });

  return router;
}
