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

const trustedProxies = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry.length > 0),
  )
  .refine((entries) => entries.every((entry) => parseIpRange(entry) !== null));

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
  TRUSTED_PROXIES: trustedProxies.default([]),
  CONFIG_FILE: z.string().min(1).optional(),
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
    consoleGroups: { admin: value.CONSOLE_ADMIN_GROUP, operator: value.CONSOLE_OPERATOR_GROUP, auditor: value.CONSOLE_AUDITOR_GROUP },
  };
}
