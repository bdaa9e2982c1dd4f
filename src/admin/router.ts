// The factory every admin resource module uses: an OpenAPIHono whose validation failures become
// problem+json naming each offending field.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../http/index.js';
import { invalidInput, type FieldProblem } from '../domain/index.js';

export type AdminRouter = OpenAPIHono<AppEnv>;

/** Zod issues as field problems; unknown keys are named one by one. */
export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.flatMap((issue) => {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: base ? `${base}.${key}` : key, message: 'unknown field' }));
    }
    return [{ field: base || '(body)', message: issue.message }];
  });
}

export function createAdminRouter(): AdminRouter {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const fields = fieldProblems(result.error);
        const where = result.target === 'json' ? 'body' : result.target;
        const names = fields.map((f) => f.field).join(', ');
        throw invalidInput('validation_failed', `Invalid ${where}: ${names}`, fields);
      }
    },
  });
}
