// /api/v1/config: configuration as code for tools that do not run the command line. plan and apply take the file's
// text; `${env:NAME}` references resolve against the `env` the request sends (the server's own environment and
// files are never read over HTTP: that would hand them to anyone holding the admin token). The file's JSON Schema is
// served without a token, like the OpenAPI document, so editors can fetch it.
import { createRoute, z } from '@hono/zod-openapi';
import {
  applyConfiguration,
  ConfigFileError,
  planConfiguration,
  type AdminBinding,
  type JsonSchema,
  type Plan,
} from '../config-as-code/index.js';
import { AppError } from '../domain/index.js';
import { type AppContext } from '../http/index.js';
import { providerHolderFor } from '../oidc/index.js';
import { createAdminRouter } from './router.js';
import { errorResponses, jsonBody, jsonContent, security } from './schemas.js';

const ConfigRequest = z
  .object({
    source: z
      .string()
      .min(1)
      .openapi({ description: 'The configuration file: YAML, or JSON', example: 'userStores:\n  - domain: EMPLOYEES\n' }),
    name: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[^/\\\0]+$/, 'a file name without a folder')
      .default('config.yaml')
      .openapi({ description: 'The file name, for messages and the audit trail' }),
    env: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string())
      .default({})
      .openapi({
        description: 'Values of the ${env:NAME} references (the server environment is not read). ${file:…} references are refused.',
      }),
    prune: z.boolean().default(false).openapi({ description: 'Delete what the file does not name, in the sections it has' }),
    force: z.boolean().default(false).openapi({ description: 'Delete identity providers past settings.jit.idpDeleteThreshold' }),
  })
  .strict()
  .openapi('ConfigRequest');

const FieldChange = z.object({
  path: z.string(),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
  secret: z.enum(['set', 'changed']).optional().openapi({ description: 'A secret that is set or changes (its value is never shown)' }),
});
const PlannedChange = z.object({
  action: z.enum(['create', 'update', 'delete']),
  section: z.string(),
  label: z.string(),
  key: z.string(),
  filePath: z.string().optional(),
  fields: z.array(FieldChange),
  deletion: z
    .object({
      users: z.string(),
      affectedUsers: z.number().int(),
      threshold: z.number().int(),
      forceRequired: z.boolean(),
      enhancedFeature: z.boolean(),
      counts: z.record(z.string(), z.number()),
    })
    .optional()
    .openapi({ description: 'The identity-provider deletion preview (users affected)' }),
  warnings: z.array(z.object({ code: z.string(), message: z.string() })).optional(),
});
const PlanSchema = z
  .object({
    file: z.object({ name: z.string(), sha256: z.string() }),
    prune: z.boolean(),
    changes: z.array(PlannedChange),
    summary: z.object({ create: z.number().int(), update: z.number().int(), delete: z.number().int() }),
  })
  .openapi('ConfigPlan');
const ApplySchema = PlanSchema.extend({
  applied: z.boolean().openapi({ description: 'false when there was nothing to change' }),
}).openapi('ConfigApplyResult');

const tags = ['Configuration as code'];
const plan = createRoute({
  method: 'post',
  path: '/config/plan',
  tags,
  summary: 'Plan a configuration file: what applying it would create, change and delete (nothing is written)',
  security,
  request: jsonBody(ConfigRequest),
  responses: { 200: jsonContent(PlanSchema, 'The plan'), ...errorResponses },
});
const apply = createRoute({
  method: 'post',
  path: '/config/apply',
  tags,
  summary: 'Apply a configuration file in one transaction (all or nothing), each change audited with the file’s name and digest',
  security,
  request: jsonBody(ConfigRequest),
  responses: { 200: jsonContent(ApplySchema, 'What was applied'), ...errorResponses },
});
const schema = createRoute({
  method: 'get',
  path: '/config/schema.json',
  tags,
  summary: 'The JSON Schema of the configuration file (no token needed)',
  security: [],
  responses: { 200: jsonContent(z.record(z.string(), z.unknown()), 'JSON Schema 2020-12') },
});

/** The file's problems as one problem+json, each field the path in the file, each message with its line. */
function asProblem(error: ConfigFileError): AppError {
  const fields = error.problems.map((p) => ({
    field: p.path || '(file)',
    message: `${p.line !== undefined ? `line ${p.line}, column ${p.column ?? 1}: ` : ''}${p.message}${p.code ? ` [${p.code}]` : ''}`,
  }));
  return new AppError(
    'invalid_input',
    'invalid_configuration',
    `The configuration file has ${fields.length} problem(s); nothing was changed`,
    fields,
  );
}

export function configRoutes(ctx: AppContext, binding: () => AdminBinding, configSchema: () => JsonSchema) {
  const router = createAdminRouter();
  // The OpenID Provider's keys exist before the engine's transaction (see src/cli/config-file.ts).
  const engine = async () => {
    await providerHolderFor(ctx).get();
    return { store: ctx.store, admin: binding(), schema: configSchema() };
  };
  const run = async <T extends Plan>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ConfigFileError) throw asProblem(error);
      throw error;
    }
  };
  const sourceOf = (input: z.infer<typeof ConfigRequest>) => ({ text: input.source, name: input.name, env: input.env });

  router.openapi(plan, async (c) => {
    const input = c.req.valid('json');
    const result = await run(async () => planConfiguration(await engine(), sourceOf(input), input));
    return c.json(result as z.infer<typeof PlanSchema>, 200);
  });
  router.openapi(apply, async (c) => {
    const input = c.req.valid('json');
    const result = await run(async () => applyConfiguration(await engine(), sourceOf(input), input));
    return c.json(result as z.infer<typeof ApplySchema>, 200);
  });
  router.openapi(schema, (c) => c.json(configSchema(), 200));
  return router;
}
