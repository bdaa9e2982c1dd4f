// Structured logs (pino). Request bodies, tokens and secrets are never logged.
// json (the default): one JSON object a line on stdout, for log collectors. pretty: the same events as short
// readable lines (time, level, message, then the fields), for a person at a terminal.
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };
export type LogFormat = 'json' | 'pretty';

export function createLogger(level: string, format: LogFormat = 'json'): Logger {
  return pino(
    {
      level,
      base: { service: 'jitbridge' },
      redact: { paths: ['*.authorization', '*.password', '*.token', '*.clientSecret', '*.client_secret'], censor: '[redacted]' },
    },
    format === 'pretty' ? prettyDestination(process.stdout) : pino.destination({ dest: 1, sync: true }),
  );
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const OMITTED = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service']);

/** One JSON log line as `12:00:01.234 INFO  request method=GET route=/healthz status=200`. */
export function prettyLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
  const level = (LEVELS[entry.level as number] ?? String(entry.level)).padEnd(5);
  const fields = Object.entries(entry)
    .filter(([key]) => !OMITTED.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' && !/\s/.test(value) ? value : JSON.stringify(value)}`);
  return `${[time, level, entry.msg ?? '', ...fields].join(' ')}\n`;
}

function prettyDestination(out: NodeJS.WritableStream): DestinationStream {
  return { write: (line: string) => out.write(prettyLine(line)) };
}
