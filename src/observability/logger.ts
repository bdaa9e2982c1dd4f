// Structured logs (pino). Request bodies, tokens and secrets are never logged.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'jitbridge' },
    redact: { paths: ['*.authorization', '*.password', '*.token', '*.clientSecret', '*.client_secret'], censor: '[redacted]' },
  });
}
