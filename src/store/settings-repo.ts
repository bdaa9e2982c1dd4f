// The server-wide settings document (one row).
import { eq, sql } from 'drizzle-orm';
import { defaultSettings, settingsSchema, type Settings } from '../domain/index.js';
import type { Executor } from './database.js';
import { serverSettings } from './schema/index.js';

export async function readSettings(executor: Executor): Promise<Settings> {
  // Prepared: every SCIM update reads it in its transaction (see recordAudit).
  const [row] = await executor.select().from(serverSettings).where(eq(serverSettings.id, 1)).prepare('read_settings').execute();
  // Parsing fills in defaults added by later versions.
  return row ? settingsSchema.parse(row.document) : defaultSettings();
}

export async function writeSettings(executor: Executor, settings: Settings): Promise<void> {
  await executor
    .insert(serverSettings)
    .values({ id: 1, document: settings })
    .onConflictDoUpdate({
      target: serverSettings.id,
      set: { document: settings, version: sql`${serverSettings.version} + 1`, updatedAt: sql`now()` },
    });
}
