// Entry of the `jitbridge` command (bin/jitbridge.js runs the compiled file, or this one through tsx).
import { runCli } from './program.js';

const outcome = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
// A finished command leaves with its code; `serve` keeps the process (the server ends it on SIGTERM).
if (outcome !== 'running') process.exitCode = outcome;
