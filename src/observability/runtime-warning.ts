// oidc-provider 9 checks, when it is first imported, whether Node is a 22 or later LTS release (process.release.lts
// at or after 'Jod') and otherwise writes "Unsupported runtime" with console.warn, at every start. jitbridge supports
// Node 20 (package.json engines; the whole suite runs on it) and oidc-provider has no setting to turn the check off,
// so this drops that one message, exactly, before oidc-provider is imported (server.ts imports the app afterwards).
// Every other console.warn, from oidc-provider or anything else, passes through untouched.
const UNSUPPORTED_RUNTIME = 'oidc-provider WARNING: Unsupported runtime. Use Node.js v22.x LTS, or a later LTS release.';

let installed = false;

export function quietUnsupportedRuntimeWarning(): void {
  if (installed) return;
  installed = true;
  const warn = console.warn.bind(console);
  console.warn = (...args: unknown[]) => {
    // On a TTY the message is wrapped in colour escapes; it is still the whole first argument.
    if (args.length === 1 && typeof args[0] === 'string' && args[0].replace(/\x1b\[[0-9;]*m/g, '') === UNSUPPORTED_RUNTIME) return;
    warn(...args);
  };
}
