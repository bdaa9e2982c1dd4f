// Process configuration from the environment, validated once at start-up.
// A wrong value stops the start with a message that names the variable and what it expects.
import { z } from 'zod';
import { parseIpRange } from './ip-range.js';

const port = z
  .string()
  .regex(/^\d+$/)
  .transform(Number)
  .refine((n) => n >= 1 && n <= 65535);

const httpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
});

const postgresUrl = z.string().refine((value) => /^postgres(ql)?:\/\/.+/.test(value));

const byteSize = z
  .string()
  .regex(/^\d+$/)
  .transform(Number)
  .refine((n) => n >= 1024 && n <= 64 * 1024 * 1024);

// At least 2: a transaction holds its connection while the request may read outside it; the whole suite runs on 2.
const poolSize = z
  .string()
  .regex(/^\d+$/)
  .transform(Number)
  .refine((n) => n >= 2 && n <= 500);

const secretsKey = z.string().refine((value) => Buffer.from(value, 'base64').length === 32);

const smtpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'smtp:' || url.protocol === 'smtps:';
  } catch {
    return false;
  }
});

const mailAddress = z.string().regex(/^(?:[^<>]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/);

const ipRangeList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry.length > 0),
  )
  .refine((entries) => entries.every((entry) => parseIpRange(entry) !== null));

const integerIn = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/)
    .transform(Number)
    .refine((n) => n >= min && n <= max);
const clockTolerance = z
  .string()
  .regex(/^\d+$/)
  .transform(Number)
  .refine((n) => n <= 600);
const groupName = z.string().trim().min(1).max(255);

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** What each variable expects, in words; used in start-up errors. */
const expectations: Record<string, string> = {
  PORT: 'an integer 1-65535',
  HOST: 'a host name or address to listen on',
  PUBLIC_URL: 'an absolute http(s) URL without a trailing path, such as https://id.example.com',
  DATABASE_URL: 'a postgres:// or postgresql:// connection URL',
  DATABASE_POOL_SIZE: 'an integer 2-500',
  DATA_DIR: 'a directory path',
  ADMIN_TOKEN: 'at least 32 characters',
  SECRETS_KEY: '32 random bytes in base64 (openssl rand -base64 32)',
  LOG_LEVEL: 'one of fatal, error, warn, info, debug, trace, silent',
  BODY_LIMIT_BYTES: 'an integer number of bytes between 1024 and 67108864',
  BACKGROUND_WORKERS: "'on' or 'off'",
  SMTP_URL: 'an smtp:// or smtps:// URL, such as smtps://user:password@mail.example.com:465',
  SMTP_FROM: 'a sender address, such as "jitbridge <no-reply@example.com>"',
  TRUSTED_PROXIES: 'a comma-separated list of IP addresses or CIDR ranges, such as 10.0.0.0/8,::1',
  CONFIG_FILE: 'the path of a configuration file (YAML or JSON) to apply at start',
  PASSWORD_HASH_CONCURRENCY: 'an integer 1-64',
  PASSWORD_HASH_QUEUE_TIMEOUT_MS: 'an integer number of milliseconds 0-60000',
  LOGIN_BODY_LIMIT_BYTES: 'an integer number of bytes between 1024 and 1048576',
  DB_STATEMENT_TIMEOUT_MS: 'an integer number of milliseconds 0-3600000 (0: no limit)',
  DB_BACKGROUND_STATEMENT_TIMEOUT_MS: 'an integer number of milliseconds 0-86400000 (0: no limit)',
  FEDERATION_START_LIMIT: 'an integer 0-100000 (0: no limit)',
  FEDERATION_START_WINDOW_SECONDS: 'an integer number of seconds 1-86400',
  SIGN_IN_FAILURES_BEFORE_WAIT: 'an integer 1-1000',
  SIGN_IN_WAIT_INCREMENT_SECONDS: 'an integer number of seconds 1-86400',
  SIGN_IN_MAX_WAIT_SECONDS: 'an integer number of seconds 1-86400',
  SIGN_IN_FAILURE_RESET_SECONDS: 'an integer number of seconds 1-86400',
  SIGN_IN_ACCOUNT_CEILING: 'an integer 1-100000',
  OUTBOUND_ALLOWED_NETWORKS: 'a comma-separated list of IP addresses or CIDR ranges, such as 10.20.0.0/16,fd12::/48',
  UPSTREAM_CLOCK_TOLERANCE_SECONDS: 'an integer number of seconds 0-600',
  CACHE_TTL_SECONDS: 'an integer number of seconds 0-300 (0: no caching)',
  SHUTDOWN_TIMEOUT_MS: 'an integer number of milliseconds between 100 and 600000',
  LOG_FORMAT: "'json' or 'pretty'",
  MANAGEMENT_PORT: 'an integer 1-65535, other than PORT',
  OTEL_EXPORTER_OTLP_ENDPOINT: 'the http(s) URL of an OTLP/HTTP receiver, such as http://otel-collector:4318',
  CONSOLE_ADMIN_GROUP: 'a group name, DOMAIN/name or a PRIMARY name such as jitbridge-admins',
  CONSOLE_OPERATOR_GROUP: 'a group name, DOMAIN/name or a PRIMARY name such as jitbridge-operators',
  CONSOLE_AUDITOR_GROUP: 'a group name, DOMAIN/name or a PRIMARY name such as jitbridge-auditors',
};

const envSchema = z.object({
  PORT: port.default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  PUBLIC_URL: httpUrl.optional(),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_SIZE: poolSize.default(10),
  DATA_DIR: z.string().min(1).default('./.data'),
  ADMIN_TOKEN: z.string().min(32).optional(),
  SECRETS_KEY: secretsKey.optional(),
  LOG_LEVEL: logLevel.default('info'),
  BODY_LIMIT_BYTES: byteSize.default(1024 * 1024),
  BACKGROUND_WORKERS: z.enum(['on', 'off']).default('on'),
  SMTP_URL: smtpUrl.optional(),
  SMTP_FROM: mailAddress.optional(),
  TRUSTED_PROXIES: ipRangeList.default([]),
  CONFIG_FILE: z.string().min(1).optional(),
  PASSWORD_HASH_CONCURRENCY: integerIn(1, 64).default(4),
  PASSWORD_HASH_QUEUE_TIMEOUT_MS: integerIn(0, 60_000).default(5_000),
  LOGIN_BODY_LIMIT_BYTES: integerIn(1024, 1024 * 1024).default(32 * 1024),
  DB_STATEMENT_TIMEOUT_MS: integerIn(0, 3_600_000).default(30_000),
  DB_BACKGROUND_STATEMENT_TIMEOUT_MS: integerIn(0, 86_400_000).default(300_000),
  FEDERATION_START_LIMIT: integerIn(0, 100_000).default(30),
  FEDERATION_START_WINDOW_SECONDS: integerIn(1, 86_400).default(60),
  SIGN_IN_FAILURES_BEFORE_WAIT: integerIn(1, 1000).default(5),
  SIGN_IN_WAIT_INCREMENT_SECONDS: integerIn(1, 86400).default(60),
  SIGN_IN_MAX_WAIT_SECONDS: integerIn(1, 86400).default(900),
  SIGN_IN_FAILURE_RESET_SECONDS: integerIn(1, 86400).default(43200),
  SIGN_IN_ACCOUNT_CEILING: integerIn(1, 100000).default(100),
  OUTBOUND_ALLOWED_NETWORKS: ipRangeList.default([]),
  UPSTREAM_CLOCK_TOLERANCE_SECONDS: clockTolerance.default(60),
  CACHE_TTL_SECONDS: integerIn(0, 300).default(5),
  SHUTDOWN_TIMEOUT_MS: z
    .string()
    .regex(/^\d+$/)
    .transform(Number)
    .refine((n) => n >= 100 && n <= 600_000)
    .default(8000),
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  MANAGEMENT_PORT: port.optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
  CONSOLE_ADMIN_GROUP: groupName.default('jitbridge-admins'),
  CONSOLE_OPERATOR_GROUP: groupName.default('jitbridge-operators'),
  CONSOLE_AUDITOR_GROUP: groupName.default('jitbridge-auditors'),
});

export interface AppConfig {
  port: number;
  host: string;
  /** Where people and apps reach this server; no trailing slash. */
  publicUrl: string;
  /** Unset → the embedded PGlite database under dataDir. */
  databaseUrl: string | undefined;
  /**
   * Connections to DATABASE_URL for requests and workers (login state gets half as many more, at least 2).
   * More connections than the database server's cores can run at once only queue inside it, and when
   * PostgreSQL shares the machine they take CPU time slices from the server itself.
   */
  databasePoolSize: number;
  dataDir: string;
  adminToken: string | undefined;
  /** 32 bytes; unset → generated into dataDir on first start. */
  secretsKey: Buffer | undefined;
  logLevel: z.infer<typeof logLevel>;
  bodyLimitBytes: number;
  /** Outbox, job and sweep workers run inside the server process unless turned off. */
  backgroundWorkers: boolean;
  /** Mail server for Email OTP; unset → Email OTP is unavailable. */
  smtpUrl?: string | undefined;
  /** Sender of the mails; required with smtpUrl. */
  smtpFrom?: string | undefined;
  /**
   * Reverse proxies whose X-Forwarded-For is believed (IPs or CIDR ranges). Empty: the socket's peer is the
   * client, which behind a proxy makes every person share the proxy's address in the sign-in throttle.
   */
  trustedProxies?: string[] | undefined;
  /**
   * A configuration file applied at every start, after the migrations and under their lock (instances starting
   * together apply it once); an invalid file stops the start. See docs/configuration-as-code.md.
   */
  configFile?: string | undefined;
  /** scrypt runs at once in the process, and how long a request may wait for one (then 503); docs/security-limits.md. */
  passwordHashConcurrency?: number;
  passwordHashQueueTimeoutMs?: number;
  /** Largest form body a /login page accepts (413 page beyond). */
  loginBodyLimitBytes?: number;
  /** statement_timeout of request statements, and of background jobs (0: none). Migrations run without one. */
  dbStatementTimeoutMs?: number;
  dbBackgroundStatementTimeoutMs?: number;
  /** /federation/:id/start calls allowed per client address per window (0: no limit). */
  federationStartLimit?: number;
  federationStartWindowSeconds?: number;
  /** The LOCAL sign-in throttle (docs/accounts-security.md); unset → its defaults. */
  signInThrottle?:
    | {
        failuresBeforeWait: number;
        waitIncrementSeconds: number;
        maxWaitSeconds: number;
        failureResetSeconds: number;
        accountCeiling: number;
      }
    | undefined;
  /**
   * Networks outbound requests aimed by an admin (SCIM connectors, their token endpoints, SAML SP metadata) may reach
   * although they are loopback, private, link-local or metadata ranges; plain http is allowed only to these.
   * See docs/outbound-network.md.
   */
  outboundAllowedNetworks?: string[] | undefined;
  /** Loopback reachable (http too) without OUTBOUND_ALLOWED_NETWORKS: set under NODE_ENV=development only. */
  outboundAllowLoopback?: boolean | undefined;
  /** How far an upstream ID token's iat (and exp, nbf) may be off this server's clock. Unset → 60. */
  upstreamClockToleranceSeconds?: number | undefined;
  /** How long an instance may serve a cached application, IdP or SCIM token another instance changed (src/cache). */
  cacheTtlSeconds?: number | undefined;
  /**
   * How long a SIGTERM/SIGINT waits for requests in flight, workers and the database before the process exits
   * anyway (non-zero). Below a container runtime's own grace period (docker stop: 10 s), so the server ends itself.
   */
  shutdownTimeoutMs?: number | undefined;
  /** json: one JSON object a line (for collectors); pretty: short readable lines (for people at a terminal). */
  logFormat?: 'json' | 'pretty' | undefined;
  /** A second port serving only /metrics, /healthz and /readyz; when set, the public port does not serve /metrics. */
  managementPort?: number | undefined;
  /** OTLP/HTTP receiver of traces; unset → no tracing code is loaded. */
  otelEndpoint?: string | undefined;
  /**
   * The SCIM groups whose members hold each admin role (src/admin/roles.ts); unset → jitbridge-admins,
   * jitbridge-operators, jitbridge-auditors in PRIMARY. See docs/console.md.
   */
  consoleGroups?: { admin: string; operator: string; auditor: string } | undefined;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}

/** Reads and validates the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const relevant = Object.fromEntries(
    Object.keys(envSchema.shape).map((key) => {
      const value = env[key];
      return [key, value === undefined || value === '' ? undefined : value];
    }),
  );
  const parsed = envSchema.safeParse(relevant);
  if (!parsed.success) {
    const names = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0])))];
    const lines = names.map((name) => {
      const shown =
        name === 'ADMIN_TOKEN' || name === 'SECRETS_KEY' || name === 'SMTP_URL' ? 'a value that does not fit' : describe(relevant[name]);
      return `${name} must be ${expectations[name] ?? 'valid'}, got ${shown}`;
    });
    throw new ConfigError(lines.join('\n'));
  }
  const value = parsed.data;
  if (value.MANAGEMENT_PORT !== undefined && value.MANAGEMENT_PORT === value.PORT)
    throw new ConfigError(`MANAGEMENT_PORT must be ${expectations.MANAGEMENT_PORT}, got ${value.MANAGEMENT_PORT}`);
  if (value.SMTP_URL && !value.SMTP_FROM)
    throw new ConfigError(`SMTP_FROM must be ${expectations.SMTP_FROM} when SMTP_URL is set, got nothing`);
  const publicUrl = (value.PUBLIC_URL ?? `http://localhost:${value.PORT}`).replace(/\/+$/, '');
  return {
    port: value.PORT,
    host: value.HOST,
    publicUrl,
    databaseUrl: value.DATABASE_URL,
    databasePoolSize: value.DATABASE_POOL_SIZE,
    dataDir: value.DATA_DIR,
    adminToken: value.ADMIN_TOKEN,
    secretsKey: value.SECRETS_KEY ? Buffer.from(value.SECRETS_KEY, 'base64') : undefined,
    logLevel: value.LOG_LEVEL,
    bodyLimitBytes: value.BODY_LIMIT_BYTES,
    backgroundWorkers: value.BACKGROUND_WORKERS === 'on',
    smtpUrl: value.SMTP_URL,
    smtpFrom: value.SMTP_FROM,
    trustedProxies: value.TRUSTED_PROXIES,
    configFile: value.CONFIG_FILE,
    passwordHashConcurrency: value.PASSWORD_HASH_CONCURRENCY,
    passwordHashQueueTimeoutMs: value.PASSWORD_HASH_QUEUE_TIMEOUT_MS,
    loginBodyLimitBytes: value.LOGIN_BODY_LIMIT_BYTES,
    dbStatementTimeoutMs: value.DB_STATEMENT_TIMEOUT_MS,
    dbBackgroundStatementTimeoutMs: value.DB_BACKGROUND_STATEMENT_TIMEOUT_MS,
    federationStartLimit: value.FEDERATION_START_LIMIT,
    federationStartWindowSeconds: value.FEDERATION_START_WINDOW_SECONDS,
    signInThrottle: {
      failuresBeforeWait: value.SIGN_IN_FAILURES_BEFORE_WAIT,
      waitIncrementSeconds: value.SIGN_IN_WAIT_INCREMENT_SECONDS,
      maxWaitSeconds: value.SIGN_IN_MAX_WAIT_SECONDS,
      failureResetSeconds: value.SIGN_IN_FAILURE_RESET_SECONDS,
      accountCeiling: value.SIGN_IN_ACCOUNT_CEILING,
    },
    outboundAllowedNetworks: value.OUTBOUND_ALLOWED_NETWORKS,
    outboundAllowLoopback: env.NODE_ENV === 'development',
    upstreamClockToleranceSeconds: value.UPSTREAM_CLOCK_TOLERANCE_SECONDS,
    cacheTtlSeconds: value.CACHE_TTL_SECONDS,
    shutdownTimeoutMs: value.SHUTDOWN_TIMEOUT_MS,
    logFormat: value.LOG_FORMAT,
    managementPort: value.MANAGEMENT_PORT,
    otelEndpoint: value.OTEL_EXPORTER_OTLP_ENDPOINT,
    consoleGroups: { admin: value.CONSOLE_ADMIN_GROUP, operator: value.CONSOLE_OPERATOR_GROUP, auditor: value.CONSOLE_AUDITOR_GROUP },
  };
}
