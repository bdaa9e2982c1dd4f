// Server-wide settings (the JIT defaults), read by every role and changed by admins; links to the pages of the
// other server-wide configuration (user stores, consent purposes, SCIM clients, keys).
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
      <h2>More server-wide configuration</h2>
      <ul>
        <li>
          <a href="#/user-stores">User stores</a>: domains and their username and role name policies.
        </li>
        <li>
          <a href="#/consent-purposes">Consent purposes</a>: what people agree to when an IdP prompts for consent.
        </li>
        <li>
          <a href="#/scim-clients">SCIM clients</a>: tokens for the SCIM server, their scopes and user stores.
        </li>
        <li>
          <a href="#/keys">Keys</a>: token signing, cookie and SAML IdP keys, and their rotation.
        </li>
      </ul>
    </section>
  );
}
