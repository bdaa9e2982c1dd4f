// The admin API as configuration as code speaks to it: in process, without HTTP or a token, over a store the engine
// binds to its transaction. The same routes, validation, audit and problem+json as over HTTP; the actor is the
// configuration file. What the API's handlers cache per instance is forgotten only after the engine committed.
import { Hono } from 'hono';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AdminBinding, AdminClient } from '../config-as-code/index.js';
import { invalidateAllCaches } from '../cache/index.js';
import { type AppContext, type AppEnv, errorHandler, notFoundHandler } from '../http/index.js';
import type { Actor } from '../store/index.js';
import type { Store } from '../store/index.js';

export type BuildAdminApi = (ctx: AppContext, options: { actor: Actor }) => OpenAPIHono<AppEnv>;

/** A context like `ctx` whose store is whatever `store()` answers at the time of each use. */
function contextOver(ctx: AppContext, store: () => Store): AppContext {
  return Object.defineProperty({ ...ctx }, 'store', { get: store, enumerable: true });
}

function clientOf(api: OpenAPIHono<AppEnv>, ctx: AppContext): AdminClient {
  const app = new Hono<AppEnv>();
  app.route('/api/v1', api);
  const handle = errorHandler(ctx.logger);
  let failure: unknown;
  app.onError((error, c) => {
    failure = error;
    return handle(error, c);
  });
  app.notFound(notFoundHandler);
  return {
    async request(method, path, body) {
      failure = undefined;
      const response = await app.request(`/api/v1${path}`, {
        method,
        ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
      });
      // A server error is no answer about the file: the run stops with the error itself.
      if (response.status >= 500) throw failure ?? new Error(`${method} ${path} answered ${response.status}`);
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as unknown) : null };
    },
  };
}

export function adminBindingWith(ctx: AppContext, build: BuildAdminApi): AdminBinding {
  return {
    clientFor: (store, actor) => {
      const bound = contextOver(ctx, store);
      return clientOf(build(bound, { actor: { type: 'admin', id: actor.id } }), bound);
    },
    afterCommit: () => {
      invalidateAllCaches(ctx.store.db);
    },
  };
}
