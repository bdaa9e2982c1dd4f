// /api/v1/settings: the server-wide JIT settings (the reference product's deployment.toml keys).
import { createRoute, z } from '@hono/zod-openapi';
import { invalidInput, applyMergePatch, settingsSchema } from '../domain/index.js';
import type { AppContext } from '../http/index.js';
import { recordAudit, readSettings, writeSettings } from '../store/index.js';
import { createAdminRouter, fieldProblems } from './router.js';
import { errorResponses, jsonContent, mergePatchBody, security } from './schemas.js';

const JitSettings = z
  .object({
    preserveLocallyAddedClaims: z
      .boolean()
      .openapi({ description: 'Default attribute sync when an IdP sets none: false → OVERRIDE_ALL, true → PRESERVE_LOCAL' }),
    associatingToExistingUser: z.boolean().openapi({
      description:
        "Link JIT identities to existing local users with the same verified email (by username: only the IdP's associateByUsername)",
    }),
    enhancedFeature: z
      .boolean()
      .openapi({ description: 'Generated usernames, read-only JIT users, users deleted with their IdP, lock by federated identity' }),
    usernameProvisioningUrl: z.url().nullable().openapi({ description: 'External page asking for a username (null: the built-in page)' }),
    passwordProvisioningUrl: z.url().nullable().openapi({ description: 'External page asking for a password (null: the built-in page)' }),
    idpDeleteThreshold: z
      .number()
      .int()
      .min(0)
      .openapi({ description: 'Deleting an IdP that would remove more JIT users than this needs force=true' }),
  })
  .openapi('JitSettings');

const Settings = z.object({ jit: JitSettings }).openapi('Settings');

const SettingsPatch = z
  .object({
    jit: z
      .object({
        preserveLocallyAddedClaims: z.boolean().nullable(),
        associatingToExistingUser: z.boolean().nullable(),
        enhancedFeature: z.boolean().nullable(),
        usernameProvisioningUrl: z.url().nullable(),
        passwordProvisioningUrl: z.url().nullable(),
        idpDeleteThreshold: z.number().int().min(0).nullable(),
      })
      .partial()
      .strict()
      .nullable(),
  })
  .partial()
  .strict()
  .openapi('SettingsPatch', { description: 'JSON merge patch; null restores a setting to its default' });

const getSettings = createRoute({
  method: 'get',
  path: '/settings',
  tags: ['Settings'],
  summary: 'Read the server-wide settings',
  security,
  responses: { 200: jsonContent(Settings, 'The settings'), ...errorResponses },
});

const patchSettings = createRoute({
  method: 'patch',
  path: '/settings',
  tags: ['Settings'],
  summary: 'Change server-wide settings (JSON merge patch)',
  security,
  request: mergePatchBody(SettingsPatch),
  responses: { 200: jsonContent(Settings, 'The settings after the change'), ...errorResponses },
});

export function settingsRoutes(ctx: AppContext) {
  const router = createAdminRouter();
  router.openapi(getSettings, async (c) => c.json(await readSettings(ctx.store.db), 200));
  router.openapi(patchSettings, async (c) => {
    const patch = c.req.valid('json');
    const updated = await ctx.store.transaction(async (tx) => {
      const current = await readSettings(tx);
      const parsed = settingsSchema.safeParse(applyMergePatch(current, patch));
      if (!parsed.success)
        throw invalidInput('validation_failed', 'The settings after the patch are not valid', fieldProblems(parsed.error));
      await writeSettings(tx, parsed.data);
      await recordAudit(tx, {
        actorType: 'admin',
        actorId: c.get('actor').id,
        action: 'settings.update',
        targetType: 'settings',
        outcome: 'success',
        details: { patch },
      });
      return parsed.data;
    });
    return c.json(updated, 200);
  });
  return router;
}
