// The OpenAPI document says what each route needs, from the same table the middleware enforces (route-roles.ts):
// the admin token, or a console access token with the scope of a role that covers the route; nothing for the
// public ones. Written into each route's definition before the document is generated.
import type { OpenAPIHono } from '@hono/zod-openapi';
import { ADMIN_ROLES, ROLE_SCOPES, roleCovers } from '../domain/index.js';
import type { AppEnv } from '../http/index.js';
import { ROUTE_ROLES } from './route-roles.js';

export const CONSOLE_SECURITY_SCHEME = 'consoleOAuth';
export const ADMIN_TOKEN_SECURITY_SCHEME = 'adminToken';

export function registerSecuritySchemes(api: OpenAPIHono<AppEnv>): void {
  api.openAPIRegistry.registerComponent('securitySchemes', ADMIN_TOKEN_SECURITY_SCHEME, {
    type: 'http',
    scheme: 'bearer',
    description: 'The admin token printed on first start (or ADMIN_TOKEN): the admin role, for automation',
  });
  api.openAPIRegistry.registerComponent('securitySchemes', CONSOLE_SECURITY_SCHEME, {
    type: 'oauth2',
    description:
      'A person signed in through jitbridge’s OpenID Provider with the built-in public client `jitbridge-console` ' +
      '(authorization code + PKCE). Each scope is a role; a person is granted those their groups allow. See docs/console.md.',
    flows: {
      authorizationCode: {
        authorizationUrl: '/oidc/auth',
        tokenUrl: '/oidc/token',
        scopes: {
          [ROLE_SCOPES.admin]: 'admin: everything',
          [ROLE_SCOPES.operator]: 'operator: read everything, requeue deliveries, lock/unlock links, reset MFA',
          [ROLE_SCOPES.auditor]: 'auditor: read only',
        },
      },
    },
  });
}

/** Sets each documented route's `security` from ROUTE_ROLES (call after every route is registered). */
export function documentRouteRoles(api: OpenAPIHono<AppEnv>): void {
  for (const definition of api.openAPIRegistry.definitions) {
    if (definition.type !== 'route') continue;
    const route = definition.route;
    const access = ROUTE_ROLES[`${route.method.toUpperCase()} ${route.path}`];
    if (access === undefined) continue; // refused to everyone; the route-roles test names it
    route.security =
      access === 'public'
        ? []
        : [
            { [ADMIN_TOKEN_SECURITY_SCHEME]: [] },
            ...ADMIN_ROLES.filter((role) => roleCovers(role, access)).map((role) => ({ [CONSOLE_SECURITY_SCHEME]: [ROLE_SCOPES[role]] })),
          ];
  }
}
