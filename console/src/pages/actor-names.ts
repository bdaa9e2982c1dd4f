// Who did it, in words: the admin token as "admin token", people (console admins, users signing in) by their user
// name and identity providers by their name, each looked up once per page load through the public API. An id that
// no longer resolves (a deleted user) is shown as it is.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client';

type Lookup = (id: string) => Promise<string | undefined>;

const LOOKUPS: Record<string, Lookup> = {
  admin: async (id) => (await api.GET('/users/{id}', { params: { path: { id } } })).data?.userName,
  user: async (id) => (await api.GET('/users/{id}', { params: { path: { id } } })).data?.userName,
  idp: async (id) => (await api.GET('/identity-providers/{id}', { params: { path: { id } } })).data?.name,
};
// Admins and users share ids (both are users): one cache keyed by lookup and id.
const cache = new Map<string, Promise<string | undefined>>();

const keyOf = (actorType: string, id: string) => `${actorType === 'admin' ? 'user' : actorType}:${id}`;

export interface Actor {
  actorType: string;
  actorId: string | null;
}

const isAdminToken = (a: Actor) => a.actorType === 'admin' && a.actorId === 'admin';

/** The names of the actors that have one, by keyOf(); filled in as the lookups answer. */
export function useActorNames(actors: Actor[] | undefined): Map<string, string> {
  const [names, setNames] = useState(new Map<string, string>());
  const wanted = (actors ?? []).filter((a) => a.actorId && LOOKUPS[a.actorType] && !isAdminToken(a));
  const signature = [...new Set(wanted.map((a) => keyOf(a.actorType, a.actorId!)))].sort().join(' ');
  useEffect(() => {
    let live = true;
    for (const a of wanted) {
      const key = keyOf(a.actorType, a.actorId!);
      if (!cache.has(key))
        cache.set(
          key,
          LOOKUPS[a.actorType]!(a.actorId!).catch(() => undefined),
        );
      void cache.get(key)!.then((name) => {
        if (live && name) setNames((m) => (m.get(key) === name ? m : new Map(m).set(key, name)));
      });
    }
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [signature]);
  return names;
}

const TYPE_LABEL: Record<string, string> = { admin: 'admin', user: 'user', idp: 'IdP', scim_client: 'SCIM client', system: 'system' };

/** "admin token", "admin alice", "IdP Example Corp", or the type and id when no name is known (yet). */
export function actorLabel(a: Actor, names: Map<string, string>): string {
  if (isAdminToken(a)) return 'admin token';
  const type = TYPE_LABEL[a.actorType] ?? a.actorType;
  if (!a.actorId) return type;
  return `${type} ${names.get(keyOf(a.actorType, a.actorId)) ?? a.actorId}`;
}
