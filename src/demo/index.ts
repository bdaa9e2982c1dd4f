// The demo's public face: `runDemo` (what `npm run demo` and a `jitbridge demo` command call) and its error.
export { runDemo, DEFAULT_DEMO_DATA_DIR, type DemoOptions, type RunningDemo } from './launcher.js';
export { DemoError, type DemoErrorCode } from './errors.js';
export { DEMO_NAMES } from './configure.js';
export { DEMO_PASSWORD, OIDC_PEOPLE, SAML_PEOPLE } from './people.js';
export type { DemoPorts } from './ports.js';
