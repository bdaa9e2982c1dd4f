// Schemas shared by the admin API's resources: problem details, ids, common responses.
import { z } from '@hono/zod-openapi';

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'urn:jitbridge:problem:validation_failed' }),
    title: z.string(),
    status: z.number().int(),
    code: z.string().openapi({ description: 'Stable machine-readable error code' }),
    detail: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    instance: z.string().optional(),
  })
  .openapi('Problem');

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ProblemSchema } },
});

export const errorResponses = {
  400: problem('Invalid request (the fields are named in `errors`)'),
  401: problem('Missing or invalid token (the admin token or a console access token)'),
  403: problem('The caller’s role does not cover this route (src/admin/route-roles.ts)'),
  413: problem('Request body too large'),
  415: problem('Unsupported media type'),
} as const;

export const notFoundResponse = { 404: problem('No such resource') } as const;
export const conflictResponse = { 409: problem('Conflicts with the current state') } as const;
export const preconditionResponse = { 412: problem('The resource changed since it was read') } as const;

export const IdParam = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' }, example: '3f8e2a6c-9c1d-4c39-9a55-2d1bb2f5e8d1' }),
});

export const jsonBody = <T extends z.ZodType>(schema: T, description?: string) => ({
  body: { required: true, description, content: { 'application/json': { schema } } },
});

/** PATCH bodies are JSON merge patches (RFC 7396); plain application/json is accepted too. */
export const mergePatchBody = <T extends z.ZodType>(schema: T, description?: string) => ({
  body: {
    required: true,
    description,
    content: { 'application/merge-patch+json': { schema }, 'application/json': { schema } },
  },
});

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const security = [{ adminToken: [] as string[] }];
