// What the configuration engine needs from the layer that composes it: a client of the admin API bound to the
// engine's transaction, and what the composer must do once that transaction committed.
import type { Store } from '../store/index.js';

export interface AdminResponse {
  status: number;
  /** The parsed JSON answer (problem+json on errors), or null for an empty one. */
  body: unknown;
}

/** The admin API, spoken to in process: the same routes, validation and store code as over HTTP. */
export interface AdminClient {
  request(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<AdminResponse>;
}

/** Who the admin API records in its audit events for the engine's writes. */
export interface ConfigActor {
  /** Such as `config:jitbridge.yaml@sha256:…`. */
  id: string;
}

export interface AdminBinding {
  /**
   * A client whose every read and write goes through `store()` (a Store bound to the engine's transaction, or to
   * a savepoint inside it; the engine switches it between requests, so read it per request).
   */
  clientFor(store: () => Store, actor: ConfigActor): AdminClient;
  /** After the engine's transaction committed: forget what this instance cached of the changed resources. */
  afterCommit(): void;
}

/** A problem with the file, located where the parser can tell. */
export interface ConfigProblem {
  /** Where in the file, such as `identityProviders[2].oidc.issuer` (empty: the file as a whole). */
  path: string;
  line?: number;
  column?: number;
  message: string;
  /** The admin API's stable code when the problem came from it. */
  code?: string;
}

/** The configuration file as the engine receives it. */
export interface ConfigSource {
  /** YAML (or JSON, which is YAML too). */
  text: string;
  /** Shown in messages and audit events: the file's base name. */
  name: string;
  /** Resolves `${env:NAME}`. */
  env: Readonly<Record<string, string | undefined>>;
  /**
   * Reads `${file:/path}` (a relative path is relative to the file's folder); absent → file references are
   * refused (the HTTP API: a caller must not read the server's files).
   */
  readFile?: ((path: string) => Promise<string>) | undefined;
}

export interface RunOptions {
  /** Delete what the file does not name, in the sections it has. */
  prune?: boolean;
  /** Go ahead with IdP deletions past settings.jit.idpDeleteThreshold. */
  force?: boolean;
}
