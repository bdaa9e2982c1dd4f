// The README's quick path, checked as text against the code it describes: every shell variable it uses is set
// earlier in the block, the npm scripts it names exist, its URLs are the default addresses of `npm start` and of
// `npm run demo`, and the demo names, people and password it mentions are the demo's. Beside it, every relative link
// in README.md, BENCHMARKS.md and docs/*.md points to a file that exists (and to a heading that exists, when it
// names one). Running the commands is another test's job.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { CREDENTIALS_FILE, writeCredentials } from '../../src/demo/credentials-file.js';
import { DEFAULT_DEMO_DATA_DIR, DEMO_NAMES, DEMO_PASSWORD, OIDC_PEOPLE } from '../../src/demo/index.js';
import { DEFAULT_PORT_BASE, portsFrom } from '../../src/demo/ports.js';
import { sampleAppUrls } from '../../src/demo/sample-app.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** The shell block that follows the `<!-- quick-path -->` marker, as lines. */
function quickPath(): string[] {
  const block = /<!-- quick-path -->\s*```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README.md: no ```sh block after <!-- quick-path -->');
  return block.split('\n').filter((line) => line.trim() !== '');
}
const commands = () => quickPath().filter((line) => !line.trimStart().startsWith('#'));
const comments = () =>
  quickPath()
    .filter((line) => line.trimStart().startsWith('#'))
    .join('\n');

/** The names a line sets: `NAME=…` / `export NAME=…`, or what sourcing the demo's credentials file sets. */
async function namesSetBy(line: string, sourced: (file: string) => Promise<string[]>): Promise<string[]> {
  const source = /^\s*(?:\.|source)\s+(\S+)\s*$/.exec(line);
  if (source) return sourced(source[1]!);
  const assignment = /^\s*(?:export\s+)?((?:[A-Za-z_][A-Za-z0-9_]*=\S*\s*)+)/.exec(line);
  return assignment ? [...assignment[1]!.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=/g)].map((m) => m[1]!) : [];
}

/** The variables a line expands: `$NAME` and `${NAME}` outside single quotes (the shell leaves those alone). */
function namesUsedBy(line: string): string[] {
  const unquoted = line.replace(/'[^']*'/g, "''");
  return [...unquoted.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
}

/** The names `demo.env` assigns, read from a file written by the demo's own writer. */
async function demoEnvNames(): Promise<string[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'jb-readme-'));
  try {
    const file = await writeCredentials(dir, {
      JITBRIDGE_URL: 'http://127.0.0.1:1',
      DEMO_APP_URL: 'http://127.0.0.1:2/',
      SCIM_TOKEN: 'jbs_x',
      ADMIN_TOKEN: 'jba_x',
    });
    return [...(await readFile(file, 'utf8')).matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]!);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("the README's quick path", () => {
  it('is short: at most ten commands', () => {
    expect(commands().length).toBeGreaterThanOrEqual(5);
    expect(commands().length).toBeLessThanOrEqual(10);
  });

  it('uses only variables set on an earlier line, and sources the file the demo writes', async () => {
    const demoEnv = `./${path.posix.join(DEFAULT_DEMO_DATA_DIR.replace(/^\.\//, ''), CREDENTIALS_FILE)}`;
    const sourced = async (file: string) => {
      expect(file, 'the quick path sources a file the demo does not write').toBe(demoEnv);
      return demoEnvNames();
    };
    const defined = new Set<string>();
    const used: string[] = [];
    for (const line of commands()) {
      for (const name of namesUsedBy(line)) {
        expect(defined.has(name), `$${name} is used before any line sets it: ${line}`).toBe(true);
        used.push(name);
      }
      for (const name of await namesSetBy(line, sourced)) defined.add(name);
    }
    // The quick path reads the user with the demo's SCIM token against the demo's jitbridge.
    expect(used).toEqual(expect.arrayContaining(['SCIM_TOKEN', 'JITBRIDGE_URL']));
  });

  it('names npm commands that exist: install, start, and scripts in package.json', () => {
    const npm = commands()
      .map((line) => /^\s*npm\s+(.+)$/.exec(line)?.[1]?.trim())
      .filter((rest): rest is string => rest !== undefined);
    expect(npm).toEqual(expect.arrayContaining(['install', 'start', 'run demo']));
    for (const rest of npm) {
      const [verb, name] = rest.split(/\s+/);
      if (verb === 'install') continue;
      const script = verb === 'run' ? name! : verb!;
      expect(scripts[script], `npm ${rest}: no script "${script}" in package.json`).toBeTruthy();
    }
  });

  it('points at the default addresses of npm start and of the demo', () => {
    const server = loadConfig({});
    const ports = portsFrom(DEFAULT_PORT_BASE);
    const app = sampleAppUrls(ports.app).url;
    const text = quickPath().join('\n');
    const urls = [...text.matchAll(/https?:\/\/[^\s"')]+/g)].map((m) => m[0]);
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) {
      const origin = new URL(url).origin;
      expect([server.publicUrl, new URL(app).origin], `${url} is neither npm start's nor the demo app's address`).toContain(origin);
    }
    expect(urls).toContain(`${server.publicUrl}/readyz`);
    expect(urls).toContain(app);
    expect(comments()).toContain(`embedded database in ${server.dataDir}`);
  });

  it("names the demo's identity provider, person, password and user store", () => {
    const person = OIDC_PEOPLE[0]!;
    expect(DEMO_NAMES.oidcIdp.startsWith('Example Corp')).toBe(true);
    expect(comments()).toContain('choose "Example Corp"');
    expect(comments()).toContain(`sign in as ${person.login}, password ${DEMO_PASSWORD}`);
    expect(commands().join('\n')).toContain(`userName eq "${DEMO_NAMES.userStore}/${person.login}"`);
  });
});

// ---- links ----

const documents = () => [
  'README.md',
  'BENCHMARKS.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** Markdown text without fenced code blocks and inline code (links there are examples, not links). */
function prose(text: string): string {
  return text.replace(/^(```|~~~)[\s\S]*?^\1\s*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's heading anchors: lower-cased, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const body = text.replace(/^(```|~~~)[\s\S]*?^\1\s*$/gm, '');
  for (const match of body.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = match[1]!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

describe('relative links in README.md, BENCHMARKS.md and docs/', () => {
  it('every one points to a file that exists, and to a heading that exists when it names one', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const doc of documents()) {
      const text = readFileSync(path.join(root, doc), 'utf8');
      for (const match of prose(text).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        const target = match[1]!;
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: …
        checked++;
        const [file, anchor] = target.split('#') as [string, string | undefined];
        const resolved = file === '' ? path.join(root, doc) : path.resolve(path.dirname(path.join(root, doc)), decodeURI(file));
        if (!existsSync(resolved)) {
          broken.push(`${doc}: ${target} (no such file)`);
          continue;
        }
        if (anchor && resolved.endsWith('.md') && !anchors(readFileSync(resolved, 'utf8')).has(anchor)) {
          broken.push(`${doc}: ${target} (no such heading)`);
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
    expect(broken).toEqual([]);
  });
});
