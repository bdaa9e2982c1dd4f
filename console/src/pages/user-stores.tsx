// User stores: the list and a new one, and one store's settings (description, username and role name policies,
// each explained in WSO2's terms) with a tester for the policy, and deletion (the API refuses PRIMARY and a store
// that still holds users or groups; its answer is shown).
import { useEffect, useState } from 'preact/hooks';
import { api, problemText, type Schemas } from '../api/client';
import { can, type Role } from '../auth';
import { go } from '../router';
import { ConfirmAction } from '../ui/confirm';
import { Notice, TextField, ok, useLoad, when } from '../ui/kit';

type Store = Schemas['UserStore'];

export const USER_STORE_HELP = {
  domain:
    'WSO2: "Domain name" of a secondary user store — its usernames are written DOMAIN/name (EMPLOYEES/alice); upper-cased, and cannot be renamed later. PRIMARY is the store without a prefix.',
  description: 'WSO2: "Description" — for the people reading this list; jitbridge does not act on it.',
  usernameRegex:
    'WSO2: "UsernameJavaRegEx" — every username in this store (without the DOMAIN/ prefix) must match it as a whole, at every JIT login and SCIM write; ECMAScript syntax; empty = no policy.',
  rolenameRegex:
    'WSO2: "RolenameJavaScriptRegEx" — every group (role) name in this store must match it as a whole, for SCIM groups and JIT role mappings; empty = no policy.',
} as const;

export function UserStoreList({ role }: { role: Role }) {
  const admin = can(role, 'admin');
  const stores = useLoad(() => ok(api.GET('/user-stores'), problemText), []);
  const [domain, setDomain] = useState('');
  const [description, setDescription] = useState('');
  const [usernameRegex, setUsernameRegex] = useState('');
  const [rolenameRegex, setRolenameRegex] = useState('');
  const [error, setError] = useState<string>();

  function create(event: Event) {
    event.preventDefault();
    setError(undefined);
    const body = { domain, description, usernameRegex: usernameRegex.trim() || null, rolenameRegex: rolenameRegex.trim() || null };
    ok(api.POST('/user-stores', { body }), problemText).then(
      (store) => go(`user-stores/${store.id}`),
      (e: Error) => setError(e.message),
    );
  }

  return (
    <section aria-labelledby="stores-title">
      <h1 id="stores-title">User stores</h1>
      <p class="help">
        WSO2's "user store domains": every user and group lives in one, named as a prefix of its name (EMPLOYEES/alice); PRIMARY has none.
      </p>
      {stores.error && <Notice kind="error">{stores.error}</Notice>}
      <ul class="cards">
        {stores.data?.items.map((s) => (
          <li key={s.id}>
            <a href={`#/user-stores/${s.id}`}>{s.domain}</a>
            <span>
              {s.description || '—'} · usernames: {s.usernameRegex ? <code>{s.usernameRegex}</code> : 'any'}
            </span>
          </li>
        ))}
      </ul>
      {admin && (
        <form onSubmit={create} aria-labelledby="new-store-title">
          <h2 id="new-store-title">New user store</h2>
          <TextField label="Domain" name="domain" required value={domain} onInput={setDomain} help={USER_STORE_HELP.domain} />
          <TextField
            label="Description"
            name="description"
            value={description}
            onInput={setDescription}
            help={USER_STORE_HELP.description}
          />
          <TextField
            label="Username policy (regular expression)"
            name="usernameRegex"
            value={usernameRegex}
            onInput={setUsernameRegex}
            help={USER_STORE_HELP.usernameRegex}
          />
          <TextField
            label="Role name policy (regular expression)"
            name="rolenameRegex"
            value={rolenameRegex}
            onInput={setRolenameRegex}
            help={USER_STORE_HELP.rolenameRegex}
          />
          {error && <Notice kind="error">{error}</Notice>}
          <button type="submit">Add user store</button>
        </form>
      )}
    </section>
  );
}

interface StoreForm {
  description: string;
  usernameRegex: string;
  rolenameRegex: string;
}
const formOf = (s: Store): StoreForm => ({
  description: s.description,
  usernameRegex: s.usernameRegex ?? '',
  rolenameRegex: s.rolenameRegex ?? '',
});

export function UserStoreDetail({ id, role }: { id: string; role: Role }) {
  const admin = can(role, 'admin');
  const store = useLoad(() => ok(api.GET('/user-stores/{id}', { params: { path: { id } } }), problemText), [id]);
  const idps = useLoad(async () => (await ok(api.GET('/identity-providers'), problemText)).items, []);
  const [form, setForm] = useState<StoreForm>();
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string }>();
  const [deleteError, setDeleteError] = useState<string>();
  useEffect(() => {
    if (store.data) setForm(formOf(store.data));
  }, [store.data]);

  if (store.error) return <Notice kind="error">{store.error}</Notice>;
  if (!store.data || !form) return <p>Loading…</p>;
  const s = store.data;
  const set = (key: keyof StoreForm) => (value: string) => setForm({ ...form, [key]: value });
  const provisioning = (idps.data ?? []).filter(
    (i) =>
      i.provisioning.jit.userstore === s.domain ||
      (i.provisioning.jit.userstore === 'AS_IN_USERNAME' && (i.provisioning.jit.allowedUserStores ?? []).includes(s.domain)),
  );

  function save(event: Event) {
    event.preventDefault();
    setMessage(undefined);
    const body = {
      description: form!.description,
      usernameRegex: form!.usernameRegex.trim() || null,
      rolenameRegex: form!.rolenameRegex.trim() || null,
    };
    ok(api.PUT('/user-stores/{id}', { params: { path: { id } }, body }), problemText).then(
      (saved) => {
        setForm(formOf(saved));
        setMessage({ kind: 'ok', text: 'User store saved.' });
      },
      (e: Error) => setMessage({ kind: 'error', text: e.message }),
    );
  }

  return (
    <section aria-labelledby="store-title">
      <h1 id="store-title">User store: {s.domain}</h1>
      <p>
        Created {when(s.createdAt)}, changed {when(s.updatedAt)}. JIT provisioning into it:{' '}
        {provisioning.length ? provisioning.map((i) => i.name).join(', ') : 'no identity provider'}.
      </p>
      <form onSubmit={save} aria-describedby={admin ? undefined : 'store-read-only'}>
        {!admin && (
          <p id="store-read-only" class="help">
            Your role can read this user store, not change it.
          </p>
        )}
        <fieldset disabled={!admin}>
          <legend>Settings</legend>
          <TextField
            label="Description"
            name="description"
            value={form.description}
            onInput={set('description')}
            help={USER_STORE_HELP.description}
          />
          <TextField
            label="Username policy (regular expression)"
            name="usernameRegex"
            value={form.usernameRegex}
            onInput={set('usernameRegex')}
            help={USER_STORE_HELP.usernameRegex}
          />
          <TextField
            label="Role name policy (regular expression)"
            name="rolenameRegex"
            value={form.rolenameRegex}
            onInput={set('rolenameRegex')}
            help={USER_STORE_HELP.rolenameRegex}
          />
        </fieldset>
        <PolicyTester usernameRegex={form.usernameRegex} />
        {message && <Notice kind={message.kind}>{message.text}</Notice>}
        {admin && <button type="submit">Save user store</button>}
      </form>
      {admin && (
        <section aria-labelledby="store-delete-title" class="danger">
          <h2 id="store-delete-title">Delete this user store</h2>
          <ConfirmAction
            label="Delete user store…"
            confirmLabel={`Delete ${s.domain}`}
            destructive
            onConfirm={() =>
              ok(api.DELETE('/user-stores/{id}', { params: { path: { id } } }), problemText).then(
                () => go('user-stores'),
                (e: Error) => setDeleteError(e.message),
              )
            }
          >
            Only an empty store can be deleted (no users, no groups), and PRIMARY never: the API says why it refuses.
          </ConfirmAction>
          {deleteError && <Notice kind="error">{deleteError}</Notice>}
        </section>
      )}
    </section>
  );
}

/** Tries a username against the policy as typed, matched as the server does (whole name, ECMAScript with `u`). */
function PolicyTester({ usernameRegex }: { usernameRegex: string }) {
  const [name, setName] = useState('');
  let verdict = '';
  if (name) {
    if (!usernameRegex.trim()) verdict = 'No policy: any username is accepted.';
    else
      try {
        const match = new RegExp(usernameRegex, 'u').exec(name);
        const whole = match !== null && match.index === 0 && match[0].length === name.length;
        verdict = whole ? `"${name}" matches the policy.` : `"${name}" does not match: it would be refused.`;
      } catch (e) {
        verdict = `Not a valid regular expression: ${(e as Error).message}`;
      }
  }
  return (
    <>
      <TextField
        label="Try a username"
        name="tryUsername"
        value={name}
        onInput={setName}
        help="Checked here against the policy above as typed, before saving; nothing is sent."
      />
      {verdict && (
        <p role="status" data-testid="policy-verdict">
          {verdict}
        </p>
      )}
    </>
  );
}
