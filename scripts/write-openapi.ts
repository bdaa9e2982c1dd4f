// `npm run openapi`: writes the admin API's OpenAPI document, built from the route definitions, and the JSON Schema
// of the configuration file, built from that document's component schemas (so the two cannot drift).
import { writeFile } from 'node:fs/promises';
import { buildOpenApiDocument, configSchema } from '../src/admin/index.js';

export const OPENAPI_FILE = new URL('../openapi/admin.openapi.json', import.meta.url);
export const CONFIG_SCHEMA_FILE = new URL('../openapi/jitbridge-config.schema.json', import.meta.url);

export function renderOpenApi(): string {
  return JSON.stringify(buildOpenApiDocument(), null, 2) + '\n';
}

export function renderConfigSchema(): string {
  return JSON.stringify(configSchema(), null, 2) + '\n';
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  await writeFile(OPENAPI_FILE, renderOpenApi());
  await writeFile(CONFIG_SCHEMA_FILE, renderConfigSchema());
  process.stdout.write(`wrote ${OPENAPI_FILE.pathname}\nwrote ${CONFIG_SCHEMA_FILE.pathname}\n`);
}
