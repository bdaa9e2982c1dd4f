// Server-wide settings (the deployment.toml analogues of the reference product), kept in the store
// and edited through /api/v1/settings.
import { z } from 'zod';

export const jitSettingsSchema = z
  .object({
    /** false → attribute sync defaults to OVERRIDE_ALL; true → PRESERVE_LOCAL (when an IdP sets none). */
    preserveLocallyAddedClaims: z.boolean().default(false),
    /** Associate a JIT identity with an existing local user by verified email (by username only per IdP: associateByUsername). */
    associatingToExistingUser: z.boolean().default(false),
    /** The reference product's "enhanced feature": generated usernames, read-only JIT users, delete with IdP. */
    enhancedFeature: z.boolean().default(false),
    /** External page that asks the person for a username (absolute https URL, or null for the built-in page). */
    usernameProvisioningUrl: z.url().nullable().default(null),
    /** External page that asks the person for a password. */
    passwordProvisioningUrl: z.url().nullable().default(null),
    /** Deleting an IdP that would remove more JIT users than this needs `force=true`. */
    idpDeleteThreshold: z.number().int().min(0).default(100),
  })
  .strict();

export const settingsSchema = z
  .object({
    jit: jitSettingsSchema.default(jitSettingsSchema.parse({})),
  })
  .strict();

export type Settings = z.infer<typeof settingsSchema>;
export type JitSettings = z.infer<typeof jitSettingsSchema>;

export const defaultSettings = (): Settings => settingsSchema.parse({});
