// `npm run openapi`: writes the admin API's OpenAPI document, built from the route definitions.
import { writeFile } from 'node:fs/promises';
import { buildOpenApiDocument } from '../src/admin/index.js';

export const OPENAPI_FILE = new URL('../openapi/admin.openapi.json', import.meta.url);

export function renderOpenApi(): string {
  return JSON.stringify(buildOpenApiDocument(), null, 2) + '\n';
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  await writeFile(OPENAPI_FILE, renderOpenApi());
  process.stdout.write(`wrote ${OPENAPI_FILE.pathname}\n`);
}
