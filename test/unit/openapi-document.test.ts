import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { OPENAPI_FILE, renderOpenApi } from '../../scripts/write-openapi.js';

describe('openapi/admin.openapi.json', () => {
  it('matches the routes in the code (run `npm run openapi` after changing the admin API)', async () => {
    const committed = await readFile(OPENAPI_FILE, 'utf8');
    expect(committed, 'openapi/admin.openapi.json is stale: run npm run openapi').toBe(renderOpenApi());
  });

  it('is OpenAPI 3.1 with the admin token as bearer security and problem+json errors', () => {
    const document = JSON.parse(renderOpenApi());
    expect(document.openapi).toBe('3.1.0');
    expect(document.components.securitySchemes.adminToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.paths['/user-stores'].post.responses['400'].content).toHaveProperty(['application/problem+json']);
  });
});
