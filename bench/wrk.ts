// A load generator for the benchmarks: wrk (C, one thread, keep-alive connections) when it is installed
// (Debian: `apt-get install wrk`), so that generating load costs far less of the machine's CPU than the
// server under test. It replays a list of requests the benchmark wrote (random ids and names drawn in
// TypeScript), in order and round again; `{i}` in a body becomes a number unique to the run (POST creates).
// Latency is measured like the Node generator: closed loop, from writing a request to reading its response.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface WrkProbe {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  path: string;
  body?: string;
}

export interface WrkResult {
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
  /** Socket errors, timeouts and responses with a status of 400 or more. */
  errors: number;
}

export function wrkAvailable(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    // wrk --version exits 1 after printing its version.
    return (error as { status?: number }).status === 1;
  }
}

const SCRIPT = `
local probes, counter, getHeaders, postHeaders, unique = {}, 0, {}, {}, ''
function init(args)
  for line in io.lines(args[1]) do
    local method, target, body = line:match('^(%u+)\\t([^\\t]*)\\t(.*)$')
    probes[#probes + 1] = { method, target, body }
  end
  unique = args[3]
  if args[2] ~= '' then getHeaders['Authorization'] = args[2]; postHeaders['Authorization'] = args[2] end
  postHeaders['Content-Type'] = 'application/scim+json'
end
function request()
  counter = counter + 1
  local p = probes[(counter - 1) % #probes + 1]
  if p[3] == '' then return wrk.format(p[1], p[2], getHeaders) end
  return wrk.format(p[1], p[2], postHeaders, (p[3]:gsub('{i}', unique .. counter)))
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_RESULT {"requests":%d,"us":%d,"p50":%d,"p99":%d,"errors":%d}\\n', summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.status + e.timeout))
end
`;

const dir = mkdtempSync(path.join(tmpdir(), 'jb-wrk-'));
const script = path.join(dir, 'replay.lua');
writeFileSync(script, SCRIPT);
let files = 0;

/** Runs wrk against `base` for `seconds` with `connections` connections, replaying `probes`. */
export async function runWrk(
  base: string,
  authorization: string | undefined,
  probes: WrkProbe[],
  options: { seconds: number; connections: number },
): Promise<WrkResult> {
  const list = path.join(dir, `probes-${files++}.tsv`);
  writeFileSync(list, probes.map((p) => `${p.method}\t${p.path}\t${p.body ?? ''}`).join('\n') + '\n');
  const args = ['-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--timeout', '120s', '-s', script, base];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('wrk', [...args, '--', list, authorization ?? '', randomBytes(4).toString('hex')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited with ${code}: ${text}`))));
  });
  const line = /WRK_RESULT (\{.*\})/.exec(output);
  if (!line) throw new Error(`no result from wrk: ${output}`);
  const r = JSON.parse(line[1]!) as { requests: number; us: number; p50: number; p99: number; errors: number };
  return { requests: r.requests, seconds: r.us / 1e6, p50: r.p50 / 1000, p99: r.p99 / 1000, errors: r.errors };
}
