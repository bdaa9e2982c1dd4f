// An outbound connector's every setting, to create one or edit one (PUT of the whole connector): target and
// credentials, which user stores and event kinds it receives, which attributes it sends, and delivery tuning. A new
// connector receives changes from now on (reconcile pushes the users that exist already).
import { useEffect, useState } from 'preact/hooks';
import { api, problemText } from '../api/client';
import { can, type Role } from '../auth';
import { go } from '../router';
import { CheckField, Notice, SelectField, TextField, ok, useLoad } from '../ui/kit';
import { type ConnectorForm, connectorBody, connectorForm, DELIVERY_FIELDS, emptyConnectorForm, EVENT_KINDS } from './outbound-form';

export const NewOutboundConnector = () => <ConnectorEditor />;

export function EditOutboundConnector({ id, role }: { id: string; role: Role }) {
  const loaded = useLoad(() => ok(api.GET('/outbound-connectors/{id}', { params: { path: { id } } }), problemText), [id]);
  if (loaded.error) return <Notice kind="error">{loaded.error}</Notice>;
  // The API refuses the save anyway; a form that cannot be saved would only mislead.
  if (!can(role, 'admin')) return <Notice kind="error">Only an admin can change a connector.</Notice>;
  if (!loaded.data) return <p>Loading…</p>;
  return <ConnectorEditor id={id} initial={connectorForm(loaded.data)} />;
}

function ConnectorEditor({ id, initial }: { id?: string; initial?: ConnectorForm }) {
  const [form, setForm] = useState<ConnectorForm>(initial ?? emptyConnectorForm);
  const [error, setError] = useState<string>();
  useEffect(() => setError(undefined), [form]);
  const set =
    <K extends keyof ConnectorForm>(key: K) =>
    (value: ConnectorForm[K]) =>
      setForm((f) => ({ ...f, [key]: value }));
  const secretHelp = id ? 'Leave empty to keep the stored one (never shown).' : 'Stored encrypted; never shown again.';

  function submit(event: Event) {
    event.preventDefault();
    const body = connectorBody(form);
    const saved = id
      ? ok(api.PUT('/outbound-connectors/{id}', { params: { path: { id } }, body }), problemText)
      : ok(api.POST('/outbound-connectors', { body }), problemText);
    saved.then(
      (connector) => go(`outbound/${connector.id}`),
      (e: Error) => setError(e.message),
    );
  }

  return (
    <section aria-labelledby="conn-form-title">
      <h1 id="conn-form-title">{id ? `Edit connector: ${initial?.name}` : 'New outbound connector'}</h1>
      <p>WSO2 calls this outbound provisioning: changes to users and groups here are sent to another SCIM 2.0 service.</p>
      <form onSubmit={submit}>
        <fieldset>
          <legend>Target</legend>
          <TextField
            label="Name"
            name="name"
            required
            value={form.name}
            onInput={set('name')}
            help="Shown in the console and the audit log."
          />
          <TextField
            label="SCIM base URL"
            name="baseUrl"
            required
            value={form.baseUrl}
            onInput={set('baseUrl')}
            placeholder="https://scim.example.com/scim/v2"
            help="Where /Users and /Groups are; public https unless OUTBOUND_ALLOWED_NETWORKS allows the network."
          />
          <SelectField
            label="Authentication"
            name="authType"
            value={form.authType}
            options={[
              { value: 'bearer', label: 'Bearer token' },
              { value: 'oauth2', label: 'OAuth 2.0 client credentials' },
            ]}
            onChange={set('authType')}
            help="How jitbridge proves itself to the target."
          />
          {form.authType === 'bearer' ? (
            <TextField label="Token" name="token" type="password" value={form.token} onInput={set('token')} help={secretHelp} />
          ) : (
            <>
              <TextField
                label="Token URL"
                name="tokenUrl"
                value={form.tokenUrl}
                onInput={set('tokenUrl')}
                help="The target's OAuth token endpoint."
              />
              <TextField
                label="Client id"
                name="clientId"
                value={form.clientId}
                onInput={set('clientId')}
                help="Sent with client_secret_basic."
              />
              <TextField
                label="Client secret"
                name="clientSecret"
                type="password"
                value={form.clientSecret}
                onInput={set('clientSecret')}
                help={secretHelp}
              />
              <TextField
                label="Scope"
                name="scope"
                value={form.scope}
                onInput={set('scope')}
                help="Asked for with the access token; empty: none."
              />
            </>
          )}
          <CheckField
            label="Enabled"
            name="enabled"
            checked={form.enabled}
            onChange={set('enabled')}
            help="Off pauses the connector: its events wait and are sent when it is on again."
          />
        </fieldset>
        <fieldset>
          <legend>What it receives</legend>
          <TextField
            label="User stores"
            name="userStores"
            value={form.userStores}
            onInput={set('userStores')}
            help="Domains whose users are sent, separated by commas; empty: all."
          />
          <fieldset class="events">
            <legend>Events</legend>
            {EVENT_KINDS.map((kind) => (
              <CheckField
                key={kind.value}
                label={kind.label}
                name={`event-${kind.value}`}
                checked={form.events.includes(kind.value)}
                onChange={(on) =>
                  set('events')(EVENT_KINDS.map((k) => k.value).filter((k) => (k === kind.value ? on : form.events.includes(k))))
                }
                help={kind.help}
              />
            ))}
          </fieldset>
          <TextField
            label="Attribute mapping"
            name="attributeMapping"
            multiline
            value={form.mapping}
            onInput={set('mapping')}
            placeholder="name.familyName = displayName"
            help="One local = remote SCIM path a line; only these (and userName) are sent. Empty: the whole user."
          />
        </fieldset>
        <fieldset>
          <legend>Delivery</legend>
          {DELIVERY_FIELDS.map((field) => (
            <TextField
              key={field.key}
              label={field.label}
              name={field.key}
              type="number"
              value={form.delivery[field.key]}
              placeholder={field.placeholder}
              onInput={(value) => setForm((f) => ({ ...f, delivery: { ...f.delivery, [field.key]: value } }))}
              help={`${field.help} Empty: ${field.placeholder}.`}
            />
          ))}
          <SelectField
            label="SCIM Bulk"
            name="bulk"
            value={form.bulk}
            options={[
              { value: 'auto', label: 'When the target offers it' },
              { value: 'off', label: 'Never' },
            ]}
            onChange={set('bulk')}
            help="Bulk sends first-attempt creates and changes in batches; Never sends each on its own."
          />
        </fieldset>
        {error && <Notice kind="error">{error}</Notice>}
        <p class="actions">
          <button type="submit">{id ? 'Save connector' : 'Create connector'}</button>
          {id && (
            <a class="button" href={`#/outbound/${id}`}>
              Cancel
            </a>
          )}
        </p>
      </form>
    </section>
  );
}
