// The user store a new identity goes to (DESIGN.md semantics 4): the IdP's fixed domain, or for AS_IN_USERNAME
// the domain prefix of the username when that store exists, else PRIMARY — with the local user of that name, if any.
import { AS_IN_USERNAME, type IdentityProvider, PRIMARY_DOMAIN, splitQualifiedName, type UserStore } from '../domain/index.js';
import type { LoginContext, LoginUser, ProvisioningReads } from './reads.js';

/**
 * Where a new user goes, and the local user of that name if one exists: the fixed domain, or for AS_IN_USERNAME
 * the username's prefix if that store exists, else PRIMARY (the prefix dropped from the name).
 */
export async function targetStore(
  reads: ProvisioningReads,
  idp: IdentityProvider,
  rawUserName: string,
  prefetched: LoginContext['target'],
  generated: boolean,
): Promise<{ store: UserStore | undefined; existing: LoginUser | undefined; domain: string; name: string; note: string }> {
  // The first lookup was made together with the link (see firstLookup); use it when it asked for the same thing.
  const lookup = async (domain: string, name: string) => {
    if (prefetched && prefetched.domain.toUpperCase() === domain.toUpperCase()) {
      // A generated username is new by construction: only the store matters.
      if (generated) return { store: prefetched.store, user: undefined };
      if (prefetched.userName.toLowerCase() === name.toLowerCase()) return prefetched;
    }
    return reads.findStoreWithUser(domain, name);
  };
  const qualified = splitQualifiedName(rawUserName);
  if (idp.jit.userstore.toUpperCase() === AS_IN_USERNAME) {
    if (qualified.explicitDomain) {
      const found = await lookup(qualified.domain, qualified.name);
      if (found.store)
        return {
          store: found.store,
          existing: found.user,
          domain: found.store.domain,
          name: qualified.name,
          note: `user store ${found.store.domain} from the username's domain prefix`,
        };
      const primary = await lookup(PRIMARY_DOMAIN, qualified.name);
      return {
        store: primary.store,
        existing: primary.user,
        domain: PRIMARY_DOMAIN,
        name: qualified.name,
        note: `the username's domain ${qualified.domain} does not exist: PRIMARY`,
      };
    }
    const primary = await lookup(PRIMARY_DOMAIN, rawUserName);
    return {
      store: primary.store,
      existing: primary.user,
      domain: PRIMARY_DOMAIN,
      name: rawUserName,
      note: 'no domain prefix in the username: PRIMARY',
    };
  }
  const domain = idp.jit.userstore.toUpperCase();
  // A prefix naming the target store itself is just the qualified form of the name.
  const name = qualified.explicitDomain && qualified.domain === domain ? qualified.name : rawUserName;
  const found = await lookup(domain, name);
  return { store: found.store, existing: found.user, domain, name, note: `user store ${domain} (configured)` };
}

/** The store + username a first login of this identity would look up first (before settings are known). */
export function firstLookup(idp: IdentityProvider, rawUserName: string): { domain: string; userName: string } {
  const qualified = splitQualifiedName(rawUserName);
  if (idp.jit.userstore.toUpperCase() === AS_IN_USERNAME) {
    return qualified.explicitDomain
      ? { domain: qualified.domain, userName: qualified.name }
      : { domain: PRIMARY_DOMAIN, userName: rawUserName };
  }
  const domain = idp.jit.userstore.toUpperCase();
  return { domain, userName: qualified.explicitDomain && qualified.domain === domain ? qualified.name : rawUserName };
}
