// Listening for the demo's parts: each on 127.0.0.1 at a fixed port, and a port already taken is named with the
// part that wanted it and the variable that moves them all (instead of an EADDRINUSE stack trace).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DemoError } from './errors.js';

export const DEMO_HOST = '127.0.0.1';

export interface DemoPorts {
  /** jitbridge itself. */
  jitbridge: number;
  /** The upstream OpenID Provider. */
  oidc: number;
  /** The upstream SAML IdP. */
  saml: number;
  /** The sample app (the URL the demo prints). */
  app: number;
}

export const PART_NAMES: Record<keyof DemoPorts, string> = {
  jitbridge: 'jitbridge',
  oidc: 'the demo OpenID Provider',
  saml: 'the demo SAML IdP',
  app: 'the demo app',
};

export const DEFAULT_PORT_BASE = 8400;

export function portsFrom(base: number): DemoPorts {
  return { jitbridge: base, oidc: base + 1, saml: base + 2, app: base + 3 };
}

export function portInUse(part: keyof DemoPorts, port: number): DemoError {
  return new DemoError(
    'port_in_use',
    `port ${port} on ${DEMO_HOST} (for ${PART_NAMES[part]}) is already in use: stop what listens there, or move the demo with DEMO_PORT_BASE (it uses that port and the next three)`,
  );
}

/** Listens, or rejects with the demo's message when the port is taken. */
export async function listenOn(server: Server, part: keyof DemoPorts, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(error.code === 'EADDRINUSE' || error.code === 'EACCES' ? portInUse(part, port) : error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, DEMO_HOST);
  });
  return (server.address() as AddressInfo).port;
}

/** Checks every port before anything starts, so a taken one fails the demo at once and names all that are taken. */
export async function assertPortsFree(ports: DemoPorts): Promise<void> {
  const taken: DemoError[] = [];
  for (const [part, port] of Object.entries(ports) as Array<[keyof DemoPorts, number]>) {
    const probe = createServer();
    try {
      await listenOn(probe, part, port);
    } catch (error) {
      if (error instanceof DemoError) taken.push(error);
      else throw error;
      continue;
    }
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  }
  if (taken.length === 1) throw taken[0]!;
  if (taken.length > 1) {
    const list = taken.map((e) => /^port (\d+)/.exec(e.message)![1]).join(', ');
    throw new DemoError(
      'port_in_use',
      `ports ${list} on ${DEMO_HOST} are already in use (is another demo running?): stop what listens there, or move the demo with DEMO_PORT_BASE`,
    );
  }
}

/** Closes a server and the browser connections it keeps alive. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
