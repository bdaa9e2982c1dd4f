// Why a start failed, in one line a person can act on: what went wrong, naming the setting involved (DATABASE_URL
// with its password masked, PORT, DATA_DIR, ...), and what to do. Every start failure is written the same way:
//   jitbridge cannot start: <what>; <what to do>
// followed, only where there is more than one problem (a configuration file), by the problems one a line, indented.
// No stack trace: those go to the log at debug level.
import { ConfigError, type AppConfig } from './config/index.js';
import { ConfigFileError } from './config-as-code/index.js';
import { SecretsKeyMismatchError } from './store/index.js';

export interface StartFailure {
  /** The message, without the `jitbridge cannot start: ` prefix. */
  message: string;
  /** 2: an environment variable is invalid; 1: anything else. */
  exitCode: 1 | 2;
}

/** `postgres://jb:secret@db/jb` → `postgres://jb:***@db/jb`; anything unparsable is not shown at all. */
export function maskDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(a value that is not a URL)';
  }
}

/** The PostgreSQL host and port a URL names, for messages. */
function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}`;
  } catch {
    return 'the host';
  }
}

function databaseFailure(error: NodeJS.ErrnoException, url: string): string | null {
  const shown = `DATABASE_URL=${maskDatabaseUrl(url)}`;
  const database = (() => {
    try {
      return decodeURIComponent(new URL(url).pathname.slice(1)) || 'postgres';
    } catch {
      return 'the database';
    }
  })();
  switch (error.code) {
    case '3D000': // invalid_catalog_name
      return `the database '${database}' does not exist (${shown}); create it (createdb ${database}) or point DATABASE_URL at one that does`;
    case '28P01': // invalid_password
    case '28000': // invalid_authorization_specification: no such role, or pg_hba.conf refuses it
      return `PostgreSQL refused the credentials (${shown}): ${error.message}; check the user and password in DATABASE_URL`;
    case '42501': // insufficient_privilege (e.g. CREATE in the schema, for the migrations)
      return `the DATABASE_URL user may not do what the migrations need (${shown}): ${error.message}; grant it ownership of the database`;
    case '57P03': // cannot_connect_now: starting up or shutting down
      return `PostgreSQL is not accepting connections yet (${shown}); start again when it is up`;
    case '53300': // too_many_connections
      return `PostgreSQL has no connection left for jitbridge (${shown}); lower DATABASE_POOL_SIZE or raise max_connections`;
    case 'ECONNREFUSED':
      return `nothing accepts connections at ${hostOf(url)} (${shown}); start PostgreSQL or fix the host and port in DATABASE_URL`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host in DATABASE_URL cannot be resolved (${shown}); fix the host name`;
    case 'ETIMEDOUT':
    case 'CONNECT_TIMEOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `PostgreSQL at ${hostOf(url)} cannot be reached (${shown}, ${error.code}); check the host, the port and the network between them`;
    default:
      return null;
  }
}

/** What to print for an error thrown while starting (before the server listens). */
export function describeStartFailure(error: unknown, config: AppConfig | null): StartFailure {
  if (error instanceof ConfigError) return { message: error.message.split('\n').join('; '), exitCode: 2 };
  if (error instanceof ConfigFileError || error instanceof SecretsKeyMismatchError) return { message: error.message, exitCode: 1 };
  const failure = error as NodeJS.ErrnoException & { syscall?: string; path?: string };
  if (config?.databaseUrl) {
    const message = databaseFailure(failure, config.databaseUrl);
    if (message) return { message, exitCode: 1 };
  }
  if (failure.syscall === 'listen') {
    const port = /:(\d+)$/.exec(failure.message)?.[1] ?? String(config?.port ?? '');
    const setting = config?.managementPort !== undefined && port === String(config.managementPort) ? 'MANAGEMENT_PORT' : 'PORT';
    if (failure.code === 'EADDRINUSE')
      return { message: `port ${port} is already in use (${setting}); stop the other process or choose another ${setting}`, exitCode: 1 };
    if (failure.code === 'EACCES')
      return {
        message: `not allowed to listen on port ${port} (${setting}); use a port above 1023 or grant the right to bind it`,
        exitCode: 1,
      };
    if (failure.code === 'EADDRNOTAVAIL')
      return {
        message: `HOST ${config?.host ?? ''} is not an address of this machine; set HOST to one of its addresses or 0.0.0.0`,
        exitCode: 1,
      };
  }
  if ((failure.code === 'EACCES' || failure.code === 'EROFS' || failure.code === 'ENOSPC' || failure.code === 'ENOTDIR') && failure.path) {
    return {
      message: `cannot write ${failure.path} (${failure.code}) under DATA_DIR=${config?.dataDir ?? ''}; make DATA_DIR a writable directory for this user`,
      exitCode: 1,
    };
  }
  const text = error instanceof Error ? error.message : String(error);
  return { message: `${text.split('\n')[0]}; run with LOG_LEVEL=debug for the details`, exitCode: 1 };
}
