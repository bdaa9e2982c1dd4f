// The console's build: Preact through Vite's own JSX transform (no Babel), one page under /console/, written to
// dist/console-app (src/console/ serves it). No inline script or style is emitted, so the page runs under the
// server's CSP (script-src 'self', style-src 'self').
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/console/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/console-app', import.meta.url)),
    emptyOutDir: true,
    // Everything as files: a data: URL for a script or style would need a CSP exception.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
  },
});
