// The README's quick path, run: its commands are read from the block after `<!-- quick-path -->` and run by bash in
// the order the README gives them, terminal by terminal: `npm start` and `npm run demo` as processes of their own, the
// readiness check and the SCIM read as written. The browser step (a comment in the block) is done in headless
// Chromium: choose "Example Corp", sign in as ada. Only what would collide on a shared machine is moved: the fixed
// ports (8080, the demo's 8400-8403) become free ones and ./.data a directory of the test's own; `npm install` is
// not run again (this checkout is installed; re-installing under a running suite would pull node_modules from under it).
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { freeDemoPortBase, freePort } from '../support/server.js';

const run = promisify(execFile);
const children: ChildProcess[] = [];
const databases: TestDatabase[] = [];
let root: string | null = null;
let browser: Browser | null = null;

/** Each terminal's processes are a process group of their own, signalled as a terminal's Ctrl-C signals them. */
const signalGroup = (child: ChildProcess, signal: NodeJS.Signals) => {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
};

afterAll(async () => {
  for (const child of children) signalGroup(child, 'SIGKILL');
  await browser?.close();
  for (const database of databases) await database.drop();
  if (root) await rm(root, { recursive: true, force: true });
});

interface Step {
  terminal: string;
  command: string;
}

/** The quick path's commands with the terminal (the last `# terminal N` / `# browser` comment) each belongs to. */
async function quickPath(): Promise<{ steps: Step[]; comments: string[] }> {
  const readme = await readFile('README.md', 'utf8');
  const block = /<!-- quick-path -->\s*```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README.md: no ```sh block after <!-- quick-path -->');
  const steps: Step[] = [];
  const comments: string[] = [];
  let terminal = '';
  for (const line of block.split('\n').filter((l) => l.trim())) {
    const comment = /^\s*#\s*(.*)$/.exec(line);
    if (comment) {
      comments.push(comment[1]!);
      terminal = /^(terminal \d+|browser)/.exec(comment[1]!)?.[1] ?? terminal;
    } else steps.push({ terminal, command: line.trim() });
  }
  return { steps, comments };
}

describe('the README quick path', () => {
  it('runs as written: start, readiness, demo, a sign-in in the browser, the user over SCIM', { timeout: 600_000 }, async () => {
    const { steps } = await quickPath();
    expect(steps.map((s) => s.command)).toEqual(
      expect.arrayContaining(['npm install', 'npm start', 'npm run demo', expect.stringMatching(/\/scim\/v2\/Users/)]),
    );

    root = await mkdtemp(path.join(tmpdir(), 'jitbridge-quick-path-'));
    const [port, base] = [await freePort(), await freeDemoPortBase()];
    const dataDir = path.join(root, '.data');
    await mkdir(dataDir, { recursive: true });
    const [serverDb, demoDb] = [await createTestDatabase('quick_path'), await createTestDatabase('quick_path_demo')];
    databases.push(serverDb, demoDb);
    /** The README's text with the test's ports and directory in place of the defaults. */
    const localize = (command: string) =>
      command
        .replaceAll('localhost:8080', `localhost:${port}`)
        .replaceAll('127.0.0.1:8403', `127.0.0.1:${base + 3}`)
        .replaceAll('./.data', dataDir);
    const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? root, LOG_LEVEL: 'warn' };
    const envFor = (command: string): NodeJS.ProcessEnv => {
      if (command === 'npm start')
        return { ...baseEnv, PORT: String(port), DATA_DIR: dataDir, ...(serverDb.url ? { DATABASE_URL: serverDb.url } : {}) };
      if (command === 'npm run demo')
        return {
          ...baseEnv,
          DEMO_PORT_BASE: String(base),
          DATA_DIR: path.join(dataDir, 'demo'),
          ...(demoDb.url ? { DATABASE_URL: demoDb.url } : {}),
        };
      return baseEnv;
    };
    const background = (command: string) => {
      const child = spawn('bash', ['-c', `exec ${command}`], { env: envFor(command), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      children.push(child);
      const output = { text: '' };
      child.stdout!.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
      return { child, output };
    };
    const waitFor = async (what: () => boolean, output: { text: string }, label: string) => {
      const deadline = Date.now() + 280_000;
      while (!what() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      expect(what(), `${label}:\n${output.text}`).toBe(true);
    };

    let scimOutput = '';
    for (const { terminal, command } of steps) {
      if (process.env.QUICK_PATH_TRACE) process.stderr.write(`quick path: ${terminal}: ${command}\n`);
      if (command === 'npm install') continue; // see the head of this file
      if (command === 'npm start') {
        const server = background(command);
        await waitFor(() => server.output.text.includes('Admin token'), server.output, 'npm start');
      } else if (command === 'npm run demo') {
        const demo = background(command);
        await waitFor(() => demo.output.text.includes(`http://127.0.0.1:${base + 3}/`), demo.output, 'npm run demo');
        // The browser step the README describes between terminal 2 and terminal 3.
        browser = await launchBrowser();
        const page = await (await browser.newContext()).newPage();
        await page.goto(`http://127.0.0.1:${base + 3}/`);
        await page.getByLabel(/Example Corp/).check();
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.getByLabel('Username').fill('ada');
        await page.getByLabel('Password').fill('demo');
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('heading', { name: 'Signed in as Ada Lovelace' }).waitFor();
      } else if (terminal === 'terminal 3') {
        // The lines of one terminal share a shell: the variables `. demo.env` sets are used by the next line.
        continue;
      } else {
        const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', localize(command)], { env: envFor(command), timeout: 180_000 });
        expect(stdout).toContain('"status":"ready"');
      }
    }
    const terminal3 = steps.filter((s) => s.terminal === 'terminal 3').map((s) => localize(s.command));
    expect(terminal3.length).toBeGreaterThan(1);
    ({ stdout: scimOutput } = await run('bash', ['-euo', 'pipefail', '-c', terminal3.join('\n')], { env: baseEnv, timeout: 60_000 }));
    const list = JSON.parse(scimOutput) as { totalResults: number; Resources: { userName: string }[] };
    expect(list.totalResults).toBe(1);
    expect(list.Resources[0]!.userName).toBe('DEMO/ada');

    // Ctrl-C in each terminal: both stop cleanly.
    const codes = Promise.all(
      children.map((child) => (child.exitCode !== null ? child.exitCode : new Promise((r) => child.once('exit', (code) => r(code))))),
    );
    for (const child of children) signalGroup(child, 'SIGINT');
    // npm start exits 0. npm run demo's npm ends by the signal itself (exit code null): that is npm's way with a
    // script that is not exec'd; the demo process under it stops cleanly (test/e2e/demo-process.test.ts).
    const [started, demo] = await codes;
    expect(started).toBe(0);
    expect([0, null]).toContain(demo);
  });
});
