// `npm run demo`: runs the demo until Ctrl-C / SIGTERM; a start that fails prints one line and exits non-zero
// (2 for a refusal or a bad setting, 1 for anything else).
import { ConfigError } from '../config/index.js';
import { quietUnsupportedRuntimeWarning } from '../observability/index.js';

// Before anything imports oidc-provider (it warns when it is imported on Node 20): see observability/runtime-warning.ts.
quietUnsupportedRuntimeWarning();
const { SecretsKeyMismatchError } = await import('../store/index.js');
const { DemoError, runDemo } = await import('./index.js');

try {
  await runDemo();
} catch (error) {
  if (error instanceof DemoError || error instanceof ConfigError || error instanceof SecretsKeyMismatchError) {
    process.stderr.write(`jitbridge demo cannot start: ${error.message}\n`);
    process.exit(
      error instanceof ConfigError || (error instanceof DemoError && ['refused', 'invalid_setting'].includes(error.code)) ? 2 : 1,
    );
  }
  throw error;
}
