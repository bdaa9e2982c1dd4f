// SCIM clients: who may call jitbridge's SCIM server, with which scopes and in which user stores. A new client's
// token is shown once, here; the API keeps only its hash. Editing changes scopes and stores (and, if asked, the
// token); deleting revokes the token.
import { useEffect, useState } from 'preact/hooks';
import { api, problemText, type Schemas } from '../api/client';
import { can, loadConfig, type Role } from '../auth';
import { go } from '../router';
import { ConfirmAction } from '../ui/confirm';
import { CheckField, Notice, TextField, ok, useLoad, when } from '../ui/kit';

type Client = Schemas['ScimClient'];
type Scope = Client['scopes'][number];

const HELP = {
  name: 'Who this token belongs to (the HR system, the directory sync): audit events name it.',
  read: 'GET and searches of /Users and /Groups (WSO2: the read permission of the SCIM2 API).',
  write: 'Everything that writes: POST, PUT, PATCH, DELETE and /Bulk.',
  stores:
    'WSO2: user store domains the client may reach — it sees only their users and groups and cannot write elsewhere. None ticked: all stores.',
  token:
    'Empty: jitbridge generates one and shows it once. Or a token of your own, at least 32 random characters (openssl rand -base64 32).',
  newToken: 'Empty keeps the current token. A new one replaces it at once; the old one stops working.',
} as const;

const scopeText = (c: Client) => (c.scopes.includes('scim:write') ? 'read and write' : 'read only');
const storeText = (c: Client) => (c.userStores ? c.userStores.join(', ') : 'all user stores');

export function ScimClientList({ role }: { role: Role }) {
  const clients = useLoad(() => ok(api.GET('/scim-clients'), problemText), []);
  return (
    <section aria-labelledby="scim-title">
      <h1 id="scim-title">SCIM clients</h1>
      <p class="help">Systems that provision into jitbridge through its SCIM 2.0 server (/scim/v2), each with its own bearer token.</p>
      {can(role, 'admin') && (
        <p class="actions">
          <a class="button" href="#/scim-clients/new">
            New SCIM client
          </a>
        </p>
      )}
      {clients.error && <Notice kind="error">{clients.error}</Notice>}
      {clients.data?.items.length === 0 && <p>No SCIM clients yet.</p>}
      <ul class="cards">
        {clients.data?.items.map((c) => (
          <li key={c.id}>
            <a href={`#/scim-clients/${c.id}`}>{c.name}</a>
            <span>
              {scopeText(c)} · {storeText(c)} · last used {when(c.lastUsedAt)}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

interface ClientForm {
  name: string;
  scopes: Scope[];
  userStores: string[];
  token: string;
}
const formOf = (c: Client | undefined): ClientForm => ({
  name: c?.name ?? '',
  scopes: c?.scopes ?? ['scim:read', 'scim:write'],
  userStores: c?.userStores ?? [],
  token: '',
});
const bodyOf = (f: ClientForm) => ({
  name: f.name,
  scopes: f.scopes,
  userStores: f.userStores.length ? f.userStores : null,
  ...(f.token ? { token: f.token } : {}),
});

function ClientFields({ form, onChange, editing }: { form: ClientForm; onChange: (f: ClientForm) => void; editing: boolean }) {
  const stores = useLoad(() => ok(api.GET('/user-stores'), problemText), []);
  const toggle = <T,>(list: T[], value: T, on: boolean) => (on ? [...list, value] : list.filter((v) => v !== value));
  return (
    <>
      <TextField label="Name" name="name" required value={form.name} onInput={(name) => onChange({ ...form, name })} help={HELP.name} />
      <fieldset>
        <legend>Scopes</legend>
        <CheckField
          label="scim:read"
          checked={form.scopes.includes('scim:read')}
          onChange={(on) => onChange({ ...form, scopes: toggle(form.scopes, 'scim:read', on) })}
          help={HELP.read}
        />
        <CheckField
          label="scim:write"
          checked={form.scopes.includes('scim:write')}
          onChange={(on) => onChange({ ...form, scopes: toggle(form.scopes, 'scim:write', on) })}
          help={HELP.write}
        />
      </fieldset>
      <fieldset>
        <legend>User stores</legend>
        <p class="help">{HELP.stores}</p>
        {stores.error && <Notice kind="error">{stores.error}</Notice>}
        {stores.data?.items.map((s) => (
          <CheckField
            key={s.id}
            label={s.domain}
            checked={form.userStores.includes(s.domain)}
            onChange={(on) => onChange({ ...form, userStores: toggle(form.userStores, s.domain, on) })}
          />
        ))}
      </fieldset>
      <TextField
        label={editing ? 'New token (optional)' : 'Token of your own (optional)'}
        name="token"
        type="password"
        value={form.token}
        onInput={(token) => onChange({ ...form, token })}
        help={editing ? HELP.newToken : HELP.token}
      />
    </>
  );
}

export function NewScimClient() {
  const [form, setForm] = useState<ClientForm>(() => formOf(undefined));
  const [created, setCreated] = useState<Schemas['ScimClientCreated']>();
  const config = useLoad(loadConfig, []);
  const [error, setError] = useState<string>();

  function submit(event: Event) {
    event.preventDefault();
    setError(undefined);
    ok(api.POST('/scim-clients', { body: bodyOf(form) }), problemText).then(
      (client) => (client.token ? setCreated(client) : go(`scim-clients/${client.id}`)),
      (e: Error) => setError(e.message),
    );
  }

  if (created)
    return (
      <section aria-labelledby="token-title">
        <h1 id="token-title">{created.name}</h1>
        <Notice kind="warning">
          <p>Copy the token now: it is shown only once (jitbridge keeps only its hash). If it is lost, set a new one on the client.</p>
        </Notice>
        <dl>
          <dt>Bearer token</dt>
          <dd>
            <code data-testid="scim-token">{created.token}</code>
          </dd>
          <dt>SCIM base URL</dt>
          <dd>
            <code>{`${config.data?.publicUrl ?? location.origin}/scim/v2`}</code>
          </dd>
        </dl>
        <a class="button" href={`#/scim-clients/${created.id}`}>
          Done
        </a>
      </section>
    );
  return (
    <section aria-labelledby="new-scim-title">
      <h1 id="new-scim-title">New SCIM client</h1>
      <form onSubmit={submit}>
        <ClientFields form={form} onChange={setForm} editing={false} />
        {error && <Notice kind="error">{error}</Notice>}
        <button type="submit">Create SCIM client</button>
      </form>
    </section>
  );
}

export function ScimClientDetail({ id, role }: { id: string; role: Role }) {
  const admin = can(role, 'admin');
  // The API has no read of one client: the list holds them all.
  const client = useLoad(async () => {
    const found = (await ok(api.GET('/scim-clients'), problemText)).items.find((c) => c.id === id);
    if (!found) throw new Error('No such SCIM client (it may have been deleted).');
    return found;
  }, [id]);
  const [form, setForm] = useState<ClientForm>();
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string }>();
  useEffect(() => {
    if (client.data) setForm(formOf(client.data));
  }, [client.data]);

  if (client.error) return <Notice kind="error">{client.error}</Notice>;
  if (!client.data || !form) return <p>Loading…</p>;
  const c = client.data;

  function save(event: Event) {
    event.preventDefault();
    setMessage(undefined);
    ok(api.PUT('/scim-clients/{id}', { params: { path: { id } }, body: bodyOf(form!) }), problemText).then(
      (saved) => {
        setForm(formOf(saved));
        setMessage({ kind: 'ok', text: form!.token ? 'SCIM client saved; the new token is in use.' : 'SCIM client saved.' });
      },
      (e: Error) => setMessage({ kind: 'error', text: e.message }),
    );
  }

  return (
    <section aria-labelledby="scim-client-title">
      <h1 id="scim-client-title">SCIM client: {c.name}</h1>
      <p>
        {scopeText(c)} · {storeText(c)} · created {when(c.createdAt)} · last used {when(c.lastUsedAt)}
      </p>
      <form onSubmit={save} aria-describedby={admin ? undefined : 'scim-read-only'}>
        {!admin && (
          <p id="scim-read-only" class="help">
            Your role can read this SCIM client, not change it.
          </p>
        )}
        <fieldset disabled={!admin}>
          <legend>SCIM client</legend>
          <ClientFields form={form} onChange={setForm} editing />
        </fieldset>
        {message && <Notice kind={message.kind}>{message.text}</Notice>}
        {admin && <button type="submit">Save SCIM client</button>}
      </form>
      {admin && (
        <section aria-labelledby="scim-delete-title" class="danger">
          <h2 id="scim-delete-title">Delete this SCIM client</h2>
          <ConfirmAction
            label="Delete SCIM client…"
            confirmLabel={`Delete ${c.name}`}
            destructive
            onConfirm={() =>
              ok(api.DELETE('/scim-clients/{id}', { params: { path: { id } } }), problemText).then(
                () => go('scim-clients'),
                (e: Error) => setMessage({ kind: 'error', text: e.message }),
              )
            }
          >
            Its token stops working at once (other instances within 5 seconds); the users and groups it wrote stay.
          </ConfirmAction>
        </section>
      )}
    </section>
  );
}
