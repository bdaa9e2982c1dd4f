// The one check every admin route goes through: find the route the request is for, look its role up in
// ROUTE_ROLES (route-roles.ts), authenticate unless it is public, and refuse with 403 problem+json when the
// caller's role does not cover it. A route the table does not list is refused to everyone (deny by default).
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes, routePath } from 'hono/route';
import { AppError, roleCovers } from '../domain/index.js';
import type { AppEnv } from '../http/index.js';
import { accessOf, routeKey } from './route-roles.js';

/** The route handler the request will reach (not a middleware), as registered: method and path, prefix stripped. */
export function handlerRouteOf(c: Context<AppEnv>): { method: string; path: string } | null {
  // This middleware is registered as `*` on the admin API; mounted at /api/v1 that becomes `/api/v1/*`.
  const base = routePath(c).replace(/\/?\*$/, '');
  const route = matchedRoutes(c).find((r) => r.method !== 'ALL' && r.path.startsWith(`${base}/`));
  return route ? { method: route.method, path: route.path.slice(base.length) } : null;
}

export function authorize(authenticate: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const route = handlerRouteOf(c);
    const access = route ? accessOf(route.method, route.path) : undefined;
    if (access === 'public') return next();
    return authenticate(c, async () => {
      // No such route: the request goes on to the 404.
      if (!route) return next();
      const key = routeKey(route.method, route.path);
      if (!access) throw new AppError('forbidden', 'route_not_authorized', `${key} has no role in the admin API's route table`);
      const role = c.get('adminRole');
      if (!role) throw new AppError('forbidden', 'no_admin_role', 'You hold no admin role (admin, operator or auditor)');
      if (!roleCovers(role, access)) {
        throw new AppError('forbidden', 'insufficient_role', `${key} needs the ${access} role; you have ${role}`);
      }
      await next();
    });
  };
}
