// Server-wide settings (the JIT defaults), user stores and consent purposes: small lists, read by every role,
// changed by admins.
import { useEffect, useState } from 'preact/hooks';
import { api, problemText, type Schemas } from '../api/client';
import { can, type Role } from '../auth';
import { CheckField, Notice, TextField, ok, useLoad } from '../ui/kit';

type Jit = Schemas['JitSettings'];

const JIT_SETTINGS: Array<{
  key: 'preserveLocallyAddedClaims' | 'associatingToExistingUser' | 'enhancedFeature';
  label: string;
  help: string;
}> = [
  {
    key: 'preserveLocallyAddedClaims',
    label: 'Preserve locally added claims',
    help: 'WSO2: "Preserve locally added claims of JIT provisioned users" — the attribute sync of IdPs that set none: on, Preserve local; off, Override all.',
  },
  {
    key: 'associatingToExistingUser',
    label: 'Associate to existing users',
    help: 'Link JIT identities to existing local users with the same verified email, for every IdP.',
  },
  {
    key: 'enhancedFeature',
    label: 'Enhanced JIT feature',
    help: 'WSO2\'s "enhanced feature": generated usernames, read-only JIT users, users deleted with their IdP, lock by federated identity.',
  },
];

export function SettingsPage({ role }: { role: Role }) {
  const admin = can(role, 'admin');
  const settings = useLoad(() => ok(api.GET('/settings'), problemText), []);
  const [jit, setJit] = useState<Jit>();
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string }>();
  useEffect(() => setJit(settings.data?.jit), [settings.data]);

  function save(event: Event) {
    event.preventDefault();
    ok(api.PATCH('/settings', { body: { jit } }), problemText).then(
      () => setMessage({ kind: 'ok', text: 'Settings saved.' }),
      (e: Error) => setMessage({ kind: 'error', text: e.message }),
    );
  }

  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      {settings.error && <Notice kind="error">{settings.error}</Notice>}
      {jit && (
        <form onSubmit={save}>
          <fieldset disabled={!admin}>
            <legend>Just-in-time provisioning defaults</legend>
            {JIT_SETTINGS.map((s) => (
              <CheckField key={s.key} label={s.label} help={s.help} checked={jit[s.key]} onChange={(v) => setJit({ ...jit, [s.key]: v })} />
            ))}
            <TextField
              label="IdP deletion threshold"
              type="number"
              value={String(jit.idpDeleteThreshold)}
              onInput={(v) => setJit({ ...jit, idpDeleteThreshold: Number(v) })}
              help="Deleting an IdP that would remove more JIT users than this needs an explicit confirmation."
            />
          </fieldset>
          {message && <Notice kind={message.kind}>{message.text}</Notice>}
          {admin && <button type="submit">Save settings</button>}
        </form>
      )}
      <UserStores admin={admin} />
      <ConsentPurposes />
    </section>
  );
}

function UserStores({ admin }: { admin: boolean }) {
  const stores = useLoad(() => ok(api.GET('/user-stores'), problemText), []);
  const [domain, setDomain] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<string>();
  return (
    <>
      <h2>User stores</h2>
      <p class="help">WSO2's "user store domains": users live in one, named as a prefix (EMPLOYEES/alice); PRIMARY has none.</p>
      <ul class="cards">
        {stores.data?.items.map((s) => (
          <li key={s.id}>
            <strong>{s.domain}</strong>
            <span>{s.description || '—'}</span>
          </li>
        ))}
      </ul>
      {admin && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            ok(api.POST('/user-stores', { body: { domain, description } }), problemText).then(
              () => {
                setDomain('');
                setDescription('');
                setError(undefined);
                stores.reload();
              },
              (err: Error) => setError(err.message),
            );
          }}
        >
          <TextField label="New user store domain" name="domain" value={domain} onInput={setDomain} />
          <TextField label="Description" name="description" value={description} onInput={setDescription} />
          {error && <Notice kind="error">{error}</Notice>}
          <button type="submit">Add user store</button>
        </form>
      )}
    </>
  );
}

function ConsentPurposes() {
  const purposes = useLoad(() => ok(api.GET('/consent-purposes'), problemText), []);
  return (
    <>
      <h2>Consent purposes</h2>
      <p class="help">What people agree to when an IdP's scheme prompts for consent (WSO2's "purposes" and their PII categories).</p>
      {purposes.data?.items.length === 0 && <p>None.</p>}
      <ul class="cards">
        {purposes.data?.items.map((p) => (
          <li key={p.id}>
            <strong>{p.purpose}</strong>
            <span>
              {p.description} · {p.piiCategories.map((c) => `${c.claim}${c.mandatory ? ' (required)' : ''}`).join(', ')}
            </span>
          </li>
        ))}
      </ul>
    </>
  );
}
