// A new outbound connector: a SCIM 2.0 target that receives every change from now on (reconcile pushes the
// users that exist already). Test the connection on its page before relying on it.
import { useState } from 'preact/hooks';
import { api, problemText, type Schemas } from '../api/client';
import { go } from '../router';
import { Notice, SelectField, TextField, ok } from '../ui/kit';

export function NewOutboundConnector() {
  const [name, setName] = useState('');
  const [baseUrl, setBaseUrl] = useState('');
  const [authType, setAuthType] = useState<'bearer' | 'oauth2'>('bearer');
  const [token, setToken] = useState('');
  const [tokenUrl, setTokenUrl] = useState('');
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const [userStores, setUserStores] = useState('');
  const [error, setError] = useState<string>();

  function submit(event: Event) {
    event.preventDefault();
    const auth: Schemas['OutboundAuthInput'] =
      authType === 'bearer' ? { type: 'bearer', token } : { type: 'oauth2', tokenUrl, clientId, clientSecret: clientSecret || undefined };
    const stores = userStores.split(/[\s,]+/).filter(Boolean);
    ok(api.POST('/outbound-connectors', { body: { name, baseUrl, auth, userStores: stores.length ? stores : null } }), problemText).then(
      (created) => go(`outbound/${created.id}`),
      (e: Error) => setError(e.message),
    );
  }

  return (
    <section aria-labelledby="new-conn-title">
      <h1 id="new-conn-title">New outbound connector</h1>
      <p>WSO2 calls this outbound provisioning: changes to users and groups here are sent to another SCIM 2.0 service.</p>
      <form onSubmit={submit}>
        <TextField label="Name" name="name" required value={name} onInput={setName} />
        <TextField
          label="SCIM base URL"
          name="baseUrl"
          required
          value={baseUrl}
          onInput={setBaseUrl}
          placeholder="https://scim.example.com/scim/v2"
        />
        <SelectField
          label="Authentication"
          value={authType}
          options={[
            { value: 'bearer', label: 'Bearer token' },
            { value: 'oauth2', label: 'OAuth 2.0 client credentials' },
          ]}
          onChange={setAuthType}
        />
        {authType === 'bearer' ? (
          <TextField
            label="Token"
            name="token"
            type="password"
            value={token}
            onInput={setToken}
            help="Stored encrypted; never shown again."
          />
        ) : (
          <>
            <TextField label="Token URL" name="tokenUrl" value={tokenUrl} onInput={setTokenUrl} />
            <TextField label="Client id" name="clientId" value={clientId} onInput={setClientId} />
            <TextField label="Client secret" name="clientSecret" type="password" value={clientSecret} onInput={setClientSecret} />
          </>
        )}
        <TextField
          label="User stores"
          name="userStores"
          value={userStores}
          onInput={setUserStores}
          help="Domains whose users are sent, separated by commas; empty: all."
        />
        {error && <Notice kind="error">{error}</Notice>}
        <button type="submit">Create connector</button>
      </form>
    </section>
  );
}
