// oidc-provider's findAccount: an account is either a local user (accountId = the SCIM id, which is
// the `sub`) or, when the IdP has JIT off, a pairwise account whose id is an HMAC of (IdP, subject) and
// whose claims live only in oidc_payloads beside the session (model `FederatedAccount`), never in users.
import { createHmac } from 'node:crypto';
import type { Account, KoaContextWithOIDC } from 'oidc-provider';
import { type Store, hasActiveJob, findAccountUserWithGroups, findOidcPayload, upsertOidcPayload } from '../store/index.js';
import { JIT_PROVISION_QUEUE, verifiedEmails } from '../provisioning/index.js';
import { type Provenance, type ScimUserResource, isUuid } from '../domain/index.js';
import { claimsFromScimUser, type OidcClaims } from './claims.js';

const FEDERATED_ACCOUNT_MODEL = 'FederatedAccount';

/** A stable subject for (IdP, upstream subject) that reveals neither. */
export function pairwiseAccountId(key: Buffer, idpId: string, subject: string): string {
  return createHmac('sha256', key).update(idpId).update('\0').update(subject).digest('base64url');
}

export async function saveFederatedAccount(store: Store, accountId: string, claims: OidcClaims, ttlSeconds: number): Promise<void> {
  await upsertOidcPayload(store.db, FEDERATED_ACCOUNT_MODEL, accountId, { claims }, ttlSeconds);
}

export function createFindAccount(store: Store) {
  return async function findAccount(_ctx: KoaContextWithOIDC, id: string): Promise<Account | undefined> {
    if (isUuid(id)) {
      const user = await findAccountUserWithGroups(store.db, id);
      // Non-blocking JIT: the durable job that will write the user with this id is still waiting. The login
      // stands (sub only, no claims); a job that ended without a user (refused, dead) leaves no account.
      if (!user) {
        const waiting = await hasActiveJob(store.db, JIT_PROVISION_QUEUE, { userId: id });
        return waiting ? { accountId: id, claims: async () => ({ sub: id }) } : undefined;
      }
      // A deleted, deactivated or locked user has no account: its tokens stop working (userinfo answers 401).
      if (!user.active || user.locked) return undefined;
      return {
        accountId: id,
        async claims(_use, scope) {
          const groups = scope.split(' ').includes('groups') ? user.groups : undefined;
          const resource = user.resource as ScimUserResource;
          const verified = verifiedEmails(resource, user.provenance as Provenance);
          return { sub: id, ...claimsFromScimUser(resource, { groups, updatedAt: user.updatedAt, verifiedEmails: verified }) };
        },
      };
    }
    const stored = await findOidcPayload(store.db, FEDERATED_ACCOUNT_MODEL, id);
    if (!stored) return undefined;
    const claims = (stored.claims ?? {}) as OidcClaims;
    return { accountId: id, claims: async () => ({ ...claims, sub: id }) };
  };
}
