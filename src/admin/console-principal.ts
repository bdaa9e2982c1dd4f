// A console access token as an admin API caller: the person it was issued to, with the lower of the role its
// scopes carry and the role the person's groups hold now. Groups are read on every request, so a removed
// membership takes effect at the next call; a deleted, deactivated or locked user's tokens stop working at once.
import { DEFAULT_ROLE_GROUPS, effectiveRole, roleOfGroups, roleOfScopes } from '../domain/index.js';
import type { AppContext, ConsoleTokenCheck } from '../http/index.js';
import { verifyConsoleToken } from '../oidc/index.js';
import { findAdminMember } from '../store/index.js';

export function consolePrincipal(ctx: AppContext): ConsoleTokenCheck {
  return async (token) => {
    const found = await verifyConsoleToken(ctx, token);
    if (!found) return null;
    const member = await findAdminMember(ctx.store.db, found.accountId);
    if (!member?.usable) return null;
    const groups = ctx.config.consoleGroups ?? DEFAULT_ROLE_GROUPS;
    const role = effectiveRole(roleOfScopes(found.scopes), roleOfGroups(member.groups, groups));
    // Type `admin` as for every admin API caller (the routes record it so); the id names the person: their user id,
    // which stays when the userName changes (GET /users/{id} shows it). The admin token's id is `admin`.
    return { actor: { type: 'admin', id: member.id }, role };
  };
}
