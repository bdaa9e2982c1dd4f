// What stops `npm run demo` before anything starts: NODE_ENV=production, a bad DEMO_PORT_BASE, a port already
// taken (named, with the variable that moves the demo); and the demo.env file the walkthrough sources.
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DemoError, runDemo, type DemoPorts } from '../../src/demo/index.js';
import { readCredentials, shellPath, writeCredentials } from '../../src/demo/credentials-file.js';
import { escapeHtml, html } from '../../src/demo/html.js';
import { listenOn } from '../../src/demo/ports.js';
import { freePort } from '../support/server.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

async function occupy(port: number): Promise<void> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
}

async function ports(): Promise<DemoPorts> {
  const taken = new Set<number>();
  while (taken.size < 4) taken.add(await freePort());
  const [jitbridge, oidc, saml, app] = [...taken] as [number, number, number, number];
  return { jitbridge, oidc, saml, app };
}

const failure = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error as DemoError;
  }
  throw new Error('expected the demo to refuse to start');
};

describe('runDemo refuses to start', () => {
  it('under NODE_ENV=production, saying why and what to run instead', async () => {
    const error = await failure(runDemo({ env: { NODE_ENV: 'production' }, handleSignals: false, print: () => {} }));
    expect(error).toBeInstanceOf(DemoError);
    expect(error.code).toBe('refused');
    expect(error.message).toContain('NODE_ENV=production');
    expect(error.message).toContain('npm start');
  });

  it.each(['80', '65533', 'abc', '8400.5'])('with DEMO_PORT_BASE=%s', async (value) => {
    const error = await failure(runDemo({ env: { DEMO_PORT_BASE: value }, handleSignals: false, print: () => {} }));
    expect(error.code).toBe('invalid_setting');
    expect(error.message).toBe(`DEMO_PORT_BASE must be an integer 1024-65532 (the demo uses it and the next three ports), got '${value}'`);
  });

  it('when a port is taken: it names the port and the part, and leaves nothing listening', async () => {
    const chosen = await ports();
    await occupy(chosen.saml);
    const dataDir = await mkdtemp(path.join(tmpdir(), 'jitbridge-demo-unit-'));
    try {
      const error = await failure(runDemo({ env: { DATA_DIR: dataDir }, ports: chosen, handleSignals: false, print: () => {} }));
      expect(error.code).toBe('port_in_use');
      expect(error.message).toContain(`port ${chosen.saml} on 127.0.0.1 (for the demo SAML IdP) is already in use`);
      expect(error.message).toContain('DEMO_PORT_BASE');
      // Nothing was started: the other ports are free, and no database was created in DATA_DIR.
      for (const port of [chosen.jitbridge, chosen.oidc, chosen.app]) await occupy(port);
      await expect(stat(path.join(dataDir, 'pglite'))).rejects.toThrow();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('when several ports are taken, it names them all', async () => {
    const chosen = await ports();
    await occupy(chosen.jitbridge);
    await occupy(chosen.app);
    const error = await failure(runDemo({ env: {}, ports: chosen, handleSignals: false, print: () => {} }));
    expect(error.message).toContain(`ports ${chosen.jitbridge}, ${chosen.app} on 127.0.0.1 are already in use`);
  });

  it('a part that loses the race for its port fails with the same message', async () => {
    const port = await freePort();
    await occupy(port);
    const server = createServer();
    const error = await failure(listenOn(server, 'oidc', port));
    expect(error.code).toBe('port_in_use');
    expect(error.message).toContain(`port ${port} on 127.0.0.1 (for the demo OpenID Provider)`);
  });
});

describe('demo.env', () => {
  it('round-trips the values as shell assignments, mode 0600, and leaves out an admin token from the environment', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'jitbridge-demo-env-'));
    try {
      const values = { JITBRIDGE_URL: 'http://127.0.0.1:8400', DEMO_APP_URL: 'http://127.0.0.1:8403/', SCIM_TOKEN: 'jbs_abc-_1' };
      const file = await writeCredentials(dir, { ...values, ADMIN_TOKEN: 'jba_xyz' });
      expect(await readCredentials(dir)).toEqual({ ...values, ADMIN_TOKEN: 'jba_xyz' });
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      await writeCredentials(dir, { ...values, ADMIN_TOKEN: undefined });
      const text = await readFile(file, 'utf8');
      expect(text).not.toContain('jba_xyz');
      expect(await readCredentials(dir)).toEqual(values);
      expect(await readCredentials(path.join(dir, 'absent'))).toEqual({});
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names its path as a shell line can use it', () => {
    expect(shellPath(path.join(process.cwd(), '.data/demo/demo.env'))).toBe('./.data/demo/demo.env');
    expect(shellPath('/tmp/demo.env')).toBe('/tmp/demo.env');
    expect(shellPath("/tmp/it's here/demo.env")).toBe(`'/tmp/it'\\''s here/demo.env'`);
  });
});

describe('demo pages', () => {
  it('escape what they show', () => {
    expect(escapeHtml(`<script>"a" & 'b'</script>`)).toBe('&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;');
    const cell = html`<td>${'<img src=x>'}</td>`;
    expect(cell.__html).toBe('<td>&lt;img src=x&gt;</td>');
    const list = html`<p>${['<b>', html`<i>ok</i>`, null, false]}</p>`;
    expect(list.__html).toBe('<p>&lt;b&gt;<i>ok</i></p>');
  });
});
