// `npm run demo`: jitbridge and, beside it on 127.0.0.1, an upstream OpenID Provider, an upstream SAML IdP and a
// sample app, all in this one process (one Ctrl-C or SIGTERM stops everything). jitbridge is configured through its
// public admin API, then one URL is printed: the sample app, which sends the person to jitbridge's IdP chooser.
// Refused under NODE_ENV=production: the demo IdPs publish their passwords.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { loadConfig } from '../config/index.js';
import { startServer, type RunningServer, type StartOptions } from '../runtime.js';
import { AdminClient } from './admin-client.js';
import { configureDemo, DEMO_NAMES } from './configure.js';
import { credentialsPath, readCredentials, shellPath, writeCredentials } from './credentials-file.js';
import { DemoError } from './errors.js';
import { DEMO_PASSWORD, OIDC_PEOPLE, SAML_PEOPLE } from './people.js';
import { assertPortsFree, DEFAULT_PORT_BASE, DEMO_HOST, portInUse, portsFrom, type DemoPorts } from './ports.js';
import { sampleAppUrls, startSampleApp } from './sample-app.js';
import { startDemoSamlIdp } from './saml-idp.js';
import { startDemoOidcProvider } from './upstream-oidc.js';

export const DEFAULT_DEMO_DATA_DIR = './.data/demo';

export interface DemoOptions {
  /**
   * The environment (default process.env). Read: NODE_ENV, DEMO_PORT_BASE, DATA_DIR (default ./.data/demo),
   * DATABASE_URL, ADMIN_TOKEN, SECRETS_KEY, LOG_LEVEL (default warn) and jitbridge's other variables; PORT, HOST
   * and PUBLIC_URL are the demo's own (127.0.0.1 at DEMO_PORT_BASE).
   */
  env?: Record<string, string | undefined>;
  /** One port per part (default: DEMO_PORT_BASE, default 8400, and the next three). */
  ports?: DemoPorts;
  /** Where the banner goes (default stdout). */
  print?: (text: string) => void;
  /** Stop everything and exit on SIGINT/SIGTERM (default true; tests call close() instead). */
  handleSignals?: boolean;
  /** An embedded database to use instead of DATA_DIR's (tests). */
  pglite?: StartOptions['pglite'];
}

export interface RunningDemo {
  /** The one URL to open: the sample app. */
  url: string;
  jitbridgeUrl: string;
  /** DATA_DIR/demo.env, with JITBRIDGE_URL, SCIM_TOKEN and (when the demo generated it) ADMIN_TOKEN. */
  credentialsFile: string;
  adminToken: string;
  scimToken: string;
  close(): Promise<void>;
}

function portBase(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_PORT_BASE;
  const base = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(base >= 1024 && base <= 65532)) {
    throw new DemoError(
      'invalid_setting',
      `DEMO_PORT_BASE must be an integer 1024-65532 (the demo uses it and the next three ports), got '${value}'`,
    );
  }
  return base;
}

const maskedUrl = (url: string) => url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1****@');

function banner(demo: RunningDemo, generatedAdminToken: boolean): string {
  const people = (list: typeof OIDC_PEOPLE) => list.map((p) => p.login).join(', ');
  return [
    '',
    'jitbridge demo is ready. Open this URL in a browser:',
    '',
    `    ${demo.url}`,
    '',
    `  Choose an identity provider on jitbridge's page and sign in as a demo person (password: ${DEMO_PASSWORD}):`,
    `    ${DEMO_NAMES.oidcIdp}, OpenID Connect: ${people(OIDC_PEOPLE)}`,
    `    ${DEMO_NAMES.samlIdp}, SAML: ${people(SAML_PEOPLE)}`,
    '',
    `  URLs and tokens for curl (JITBRIDGE_URL, SCIM_TOKEN${generatedAdminToken ? ', ADMIN_TOKEN' : ''}): . ${shellPath(demo.credentialsFile)}`,
    '  Walkthrough: docs/demo.md. Stop with Ctrl-C.',
    '',
  ].join('\n');
}

/** Starts the demo; by default it then runs until SIGINT/SIGTERM. Throws DemoError (or ConfigError) when it cannot start. */
export async function runDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const env = options.env ?? process.env;
  if (env.NODE_ENV === 'production') {
    throw new DemoError(
      'refused',
      'the demo does not run with NODE_ENV=production: its identity providers show their passwords and let anyone sign in as their people. Unset NODE_ENV to try the demo; run jitbridge itself with `npm start`',
    );
  }
  const ports = options.ports ?? portsFrom(portBase(env.DEMO_PORT_BASE));
  const dataDir = env.DATA_DIR || DEFAULT_DEMO_DATA_DIR;
  const jitbridgeUrl = `http://${DEMO_HOST}:${ports.jitbridge}`;
  const config = loadConfig({
    ...env,
    PORT: String(ports.jitbridge),
    HOST: DEMO_HOST,
    PUBLIC_URL: jitbridgeUrl,
    DATA_DIR: dataDir,
    LOG_LEVEL: env.LOG_LEVEL || 'warn',
  });
  await assertPortsFree(ports);

  // What has started, stopped in reverse on failure or at the end.
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  };
  try {
    const [oidcProvider, samlIdp] = await Promise.all([startDemoOidcProvider(ports.oidc), startDemoSamlIdp(ports.saml)]);
    stops.push(oidcProvider.stop, samlIdp.stop);
    let running: RunningServer;
    try {
      running = await startServer({ config, ...(options.pglite ? { pglite: options.pglite } : {}) });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw portInUse('jitbridge', ports.jitbridge);
      throw error;
    }
    stops.push(running.close);

    const previous = await readCredentials(dataDir);
    const adminToken = config.adminToken ?? running.generatedAdminToken ?? previous.ADMIN_TOKEN;
    if (!adminToken) {
      const where = config.databaseUrl ? `the database at DATABASE_URL ${maskedUrl(config.databaseUrl)}` : `the database in ${dataDir}`;
      throw new DemoError(
        'admin_token_unknown',
        `${where} already has an admin token, and the demo does not know it: set ADMIN_TOKEN to it, or give the demo a DATA_DIR of its own`,
      );
    }

    const upstreamSecret = randomBytes(24).toString('base64url');
    const appUrls = sampleAppUrls(ports.app);
    const configured = await configureDemo(new AdminClient(jitbridgeUrl, adminToken), {
      oidc: { issuer: oidcProvider.issuer, clientId: oidcProvider.clientId, clientSecret: upstreamSecret },
      saml: { metadata: samlIdp.metadata },
      app: { redirectUri: appUrls.redirectUri, postLogoutRedirectUri: appUrls.postLogoutRedirectUri },
    });
    oidcProvider.setClient({ clientSecret: upstreamSecret, redirectUri: configured.oidcIdp.redirectUri });
    const spMetadata = await fetch(configured.samlIdp.spMetadataUrl);
    if (!spMetadata.ok) throw new DemoError('upstream', `jitbridge's SAML SP metadata answered ${spMetadata.status}`);
    samlIdp.trustServiceProvider(await spMetadata.text());

    const credentialsFile = credentialsPath(dataDir);
    const app = await startSampleApp({
      port: ports.app,
      issuer: configured.app.issuer,
      clientId: configured.app.clientId,
      clientSecret: configured.app.clientSecret,
      scimUrl: `${jitbridgeUrl}/scim/v2`,
      scimToken: configured.scimToken,
      credentialsFile: shellPath(credentialsFile),
      jitbridgeUrl,
    });
    stops.push(app.stop);

    const keepAdminToken = config.adminToken === undefined;
    await writeCredentials(dataDir, {
      JITBRIDGE_URL: jitbridgeUrl,
      DEMO_APP_URL: app.url,
      SCIM_TOKEN: configured.scimToken,
      ADMIN_TOKEN: keepAdminToken ? adminToken : undefined,
    });

    let closing: Promise<void> | null = null;
    const demo: RunningDemo = {
      url: app.url,
      jitbridgeUrl,
      credentialsFile: path.resolve(credentialsFile),
      adminToken,
      scimToken: configured.scimToken,
      close: () => (closing ??= stopAll()),
    };
    (options.print ?? ((text: string) => process.stdout.write(text)))(banner(demo, keepAdminToken));
    if (options.handleSignals !== false) stopOnSignals(demo);
    return demo;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** SIGINT/SIGTERM: stop every part, then exit 0; a stop that hangs, or a second signal, exits at once. */
function stopOnSignals(demo: RunningDemo) {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`\njitbridge demo: ${signal}, stopping…\n`);
    const timer = setTimeout(() => {
      process.stderr.write('jitbridge demo: did not stop within 10 s, exiting\n');
      process.exit(1);
    }, 10_000);
    timer.unref();
    void demo.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
