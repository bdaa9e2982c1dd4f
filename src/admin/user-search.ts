// GET /api/v1/users: find users for the console (a SCIM filter, or a plain search box), through the same compiled
// SCIM search the SCIM server runs (RFC 7644 §3.4.2), over every user store. The admin API has no SCIM client, so
// this is how a person without a SCIM token finds a user to open (GET /users/{id}).
import { createRoute, z } from '@hono/zod-openapi';
import { invalidInput } from '../domain/index.js';
import type { AppContext } from '../http/index.js';
import { parseListRequest } from '../scim/index.js';
import { searchScim } from '../store/index.js';
import { createAdminRouter } from './router.js';
import { errorResponses, jsonContent, security } from './schemas.js';

const MAX_COUNT = 100;

const SearchQuery = z.object({
  filter: z.string().max(2000).optional().openapi({ description: 'A SCIM filter (RFC 7644 §3.4.2.2)', example: 'userName sw "al"' }),
  q: z
    .string()
    .max(200)
    .optional()
    .openapi({ description: 'Plain text: users whose userName, email or display name contains it (ignored with filter)' }),
  startIndex: z.coerce.number().int().min(1).default(1),
  count: z.coerce.number().int().min(0).max(MAX_COUNT).default(25),
});

const UserSummarySchema = z
  .object({
    id: z.string(),
    userName: z.string(),
    displayName: z.string().nullable(),
    email: z.string().nullable(),
    active: z.boolean(),
    lastModified: z.string(),
  })
  .openapi('UserSummary');

const UserSearchResultSchema = z
  .object({ totalResults: z.number().int(), startIndex: z.number().int(), users: z.array(UserSummarySchema) })
  .openapi('UserSearchResult');

const search = createRoute({
  method: 'get',
  path: '/users',
  tags: ['Users'],
  summary: 'Search users by SCIM filter or plain text (every user store)',
  security,
  request: { query: SearchQuery },
  responses: { 200: jsonContent(UserSearchResultSchema, 'One page of users'), ...errorResponses },
});

/** The plain search box as a SCIM filter: the text is a quoted string, so it cannot change the filter's shape. */
export function plainTextFilter(q: string): string {
  const text = JSON.stringify(q.trim());
  return `userName co ${text} or emails.value co ${text} or displayName co ${text} or name.formatted co ${text}`;
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function primaryEmail(resource: Record<string, unknown>): string | null {
  const emails = Array.isArray(resource.emails) ? (resource.emails as Array<Record<string, unknown>>) : [];
  return text((emails.find((e) => e.primary === true) ?? emails[0])?.value);
}

export function userSearchRoutes(ctx: AppContext) {
  const router = createAdminRouter();
  router.openapi(search, async (c) => {
    const query = c.req.valid('query');
    const filter = query.filter?.trim() ? query.filter : query.q?.trim() ? plainTextFilter(query.q) : undefined;
    let parsed;
    try {
      parsed = parseListRequest('User', { filter, startIndex: query.startIndex, count: query.count });
    } catch (error) {
      const detail = error instanceof Error ? error.message : 'invalid filter';
      throw invalidInput('invalid_filter', `The filter is not valid: ${detail}`, [{ field: 'filter', message: detail }]);
    }
    const page = await searchScim(ctx.store.db, 'users', { ...parsed.search, userStoreIds: null });
    return c.json(
      {
        totalResults: page.totalResults,
        startIndex: query.startIndex,
        users: page.rows.map((row) => ({
          id: row.id,
          userName: text(row.resource.userName) ?? '',
          displayName: text(row.resource.displayName) ?? text((row.resource.name as Record<string, unknown> | undefined)?.formatted),
          email: primaryEmail(row.resource),
          active: row.resource.active !== false,
          lastModified: row.lastModified,
        })),
      },
      200,
    );
  });
  return router;
}
