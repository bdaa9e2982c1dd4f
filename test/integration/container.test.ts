// The container files, checked as far as they can be without a container runtime (none runs on these machines):
// every file the Dockerfile copies from the repository exists and is in the npm package, the image's command is
// the one package.json's start:prod runs and the README documents, compose.yaml wires jitbridge to its PostgreSQL,
// and a production install (the packed package, `npm ci --omit=dev`, no TypeScript, no src/) starts the server,
// answers /readyz and stops on SIGTERM with exit status 0.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { freePort } from '../support/server.js';

const run = promisify(execFile);
const temporary: string[] = [];
afterAll(async () => {
  for (const dir of temporary) await rm(dir, { recursive: true, force: true });
});

interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile instructions, continuation lines joined, comments dropped. */
async function dockerfile(): Promise<Instruction[]> {
  const text = (await readFile('Dockerfile', 'utf8')).replace(/\\\n/g, ' ');
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword!.toUpperCase(), args: rest.join(' ') };
    });
}

/** The final stage's instructions (after the last FROM). */
const finalStage = (instructions: Instruction[]) => instructions.slice(instructions.map((i) => i.keyword).lastIndexOf('FROM'));

/** Sources of COPY instructions that read the build context (not --from another stage). */
const contextSources = (instructions: Instruction[]) =>
  instructions
    .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))
    .flatMap((i) => i.args.split(/\s+/).slice(0, -1))
    .map((source) => source.replace(/\/$/, ''));

async function startProdCommand(): Promise<string[]> {
  const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { scripts: Record<string, string> };
  return pkg.scripts['start:prod']!.replace(/^exec /, '').split(/\s+/);
}

describe('Dockerfile and compose.yaml', () => {
  it('copies only files that exist, runs start:prod as a non-root user, checks /readyz, keeps DATA_DIR in a volume', async () => {
    const instructions = await dockerfile();
    const sources = contextSources(instructions);
    expect(sources.length).toBeGreaterThan(4);
    for (const source of sources) expect(existsSync(source), `${source} is copied by the Dockerfile`).toBe(true);
    const ignored = (await readFile('.dockerignore', 'utf8')).split('\n').map((l) => l.trim());
    for (const source of sources) expect(ignored).not.toContain(source);

    const final = finalStage(instructions);
    const cmd = JSON.parse(final.find((i) => i.keyword === 'CMD')!.args) as string[];
    expect(cmd).toEqual(await startProdCommand());
    expect(await readFile('README.md', 'utf8')).toContain(cmd.join(' '));
    const user = final.find((i) => i.keyword === 'USER')?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(final.find((i) => i.keyword === 'HEALTHCHECK')?.args).toContain('/readyz');
    const dataDir = /DATA_DIR=(\S+)/.exec(
      final
        .filter((i) => i.keyword === 'ENV')
        .map((i) => i.args)
        .join(' '),
    )?.[1];
    expect(dataDir).toBe('/data');
    expect(JSON.parse(final.find((i) => i.keyword === 'VOLUME')!.args)).toEqual([dataDir]);
    // The final stage installs nothing itself: its node_modules come from the --omit=dev stage.
    expect(instructions.some((i) => i.keyword === 'RUN' && i.args.includes('npm ci --omit=dev'))).toBe(true);
    expect(final.some((i) => i.keyword === 'RUN' && /npm (ci|install)/.test(i.args))).toBe(false);
  });

  it('compose.yaml runs the image beside PostgreSQL, with DATABASE_URL naming that service', async () => {
    const compose = parse(await readFile('compose.yaml', 'utf8')) as {
      services: Record<
        string,
        { build?: unknown; image?: string; environment?: Record<string, string>; depends_on?: Record<string, unknown> }
      >;
    };
    const { jitbridge, postgres } = compose.services;
    expect(jitbridge?.build).toBe('.');
    expect(postgres?.image).toMatch(/^postgres:/);
    expect(jitbridge?.depends_on).toHaveProperty('postgres');
    expect(jitbridge?.environment?.DATABASE_URL).toMatch(/^postgres:\/\/jitbridge:.*@postgres:5432\/jitbridge$/);
  });
});

describe('a production install', () => {
  it('packs, installs without dev dependencies, starts, answers /readyz and stops on SIGTERM', { timeout: 600_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'jitbridge-prod-install-'));
    temporary.push(dir);
    // npm pack runs `prepare` (the build when dist/ is stale) and packs package.json's `files`.
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { timeout: 400_000, maxBuffer: 64 * 1024 * 1024 });
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    const files = packed!.files.map((f) => f.path);
    // What the image's last stage copies from the repository is in the package too.
    for (const source of contextSources(finalStage(await dockerfile())))
      expect(
        files.some((f) => f === source || f.startsWith(`${source}/`)),
        source,
      ).toBe(true);
    expect(files).toContain('dist/server.js');
    expect(files.some((f) => f.startsWith('src/') || f.startsWith('test/'))).toBe(false);

    await run('tar', ['-xzf', path.join(dir, packed!.filename), '-C', dir]);
    const app = path.join(dir, 'package');
    await copyFile('package-lock.json', path.join(app, 'package-lock.json'));
    await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: app,
      timeout: 400_000,
    });
    expect(existsSync(path.join(app, 'node_modules', 'typescript'))).toBe(false);
    expect(existsSync(path.join(app, 'node_modules', 'vitest'))).toBe(false);

    const port = await freePort();
    const [node, ...args] = await startProdCommand();
    expect(node).toBe('node');
    const child = spawn(process.execPath, args, {
      cwd: app,
      env: {
        PATH: process.env.PATH ?? '',
        PORT: String(port),
        DATA_DIR: path.join(dir, 'data'),
        LOG_LEVEL: 'warn',
        NODE_ENV: 'production',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 180_000;
      let ready = false;
      while (!ready && child.exitCode === null && Date.now() < deadline) {
        ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.status === 200,
          () => false,
        );
        if (!ready) await new Promise((r) => setTimeout(r, 250));
      }
      expect(ready, stderr).toBe(true);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
