// Create or edit an OIDC or SAML identity provider with every JIT option, each explained in WSO2's terms; what
// will not work as expected is said before saving, and the API's own warnings after.
import { useEffect, useState } from 'preact/hooks';
import { api, problemText, type Schemas } from '../api/client';
import { can, type Role } from '../auth';
import { go } from '../router';
import { CheckField, Notice, SelectField, TextField, ok, useLoad } from '../ui/kit';
import { emptyForm, formOf, inputOf, type IdpForm } from './identity-provider-form';
import { appsNeedingLocalAccount, JIT_HELP, jitWarnings, SCHEMES, type JitForm } from './jit-help';
import { DeleteIdp } from './identity-provider-delete';

export function IdentityProviderEditor(props: { id?: string; protocol?: 'oidc' | 'saml'; role: Role }) {
  const editable = can(props.role, 'admin');
  const [form, setForm] = useState<IdpForm>(() => emptyForm(props.protocol ?? 'oidc'));
  const [saved, setSaved] = useState<Schemas['IdentityProvider']>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const loaded = useLoad(
    async () => (props.id ? ok(api.GET('/identity-providers/{id}', { params: { path: { id: props.id } } }), problemText) : undefined),
    [props.id],
  );
  const apps = useLoad(
    async () => (await ok(api.GET('/applications'), problemText)).items.filter((a): a is Schemas['Application'] => a.protocol === 'oidc'),
    [],
  );
  useEffect(() => {
    if (loaded.data) setForm(formOf(loaded.data));
  }, [loaded.data]);

  const set =
    <K extends keyof IdpForm>(key: K) =>
    (value: IdpForm[K]) =>
      setForm((f) => ({ ...f, [key]: value }));
  const setJit =
    <K extends keyof JitForm>(key: K) =>
    (value: JitForm[K]) =>
      setForm((f) => ({ ...f, jit: { ...f.jit, [key]: value } }));
  const oidcApps = apps.data ?? [];
  const warnings = jitWarnings(form.jit, form.trustEmail, appsNeedingLocalAccount(oidcApps, props.id));

  async function save(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const body = inputOf(form);
      const result = props.id
        ? await ok(api.PUT('/identity-providers/{id}', { params: { path: { id: props.id } }, body }), problemText)
        : await ok(api.POST('/identity-providers', { body }), problemText);
      setSaved(result);
      if (!props.id) go(`identity-providers/${result.id}`);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  if (loaded.error) return <Notice kind="error">{loaded.error}</Notice>;
  if (props.id && !loaded.data) return <p>Loading…</p>;
  const title = props.id
    ? `Identity provider: ${loaded.data?.name}`
    : `New ${form.protocol === 'oidc' ? 'OpenID Connect' : 'SAML'} identity provider`;
  return (
    <section aria-labelledby="idp-title">
      <h1 id="idp-title">{title}</h1>
      {props.id && (
        <p class="actions">
          <a class="button" href={`#/identity-providers/${props.id}/simulate`}>
            Simulate a login
          </a>
        </p>
      )}
      {loaded.data?.oidc && (
        <p>
          Redirect URI to register at the IdP: <code data-testid="idp-redirect-uri">{loaded.data.oidc.redirectUri}</code>
        </p>
      )}
      {loaded.data?.saml && (
        <p>
          Our SP metadata: <code>{loaded.data.saml.sp.metadataUrl}</code>
        </p>
      )}
      <form onSubmit={save} aria-describedby={editable ? undefined : 'read-only-note'}>
        {!editable && (
          <p id="read-only-note" class="help">
            Your role can read this identity provider, not change it.
          </p>
        )}
        <fieldset disabled={!editable}>
          <legend>Identity provider</legend>
          <TextField label="Name" name="name" required value={form.name} onInput={set('name')} />
          <CheckField label="Enabled" checked={form.enabled} onChange={set('enabled')} />
          <CheckField label="Trust email" help={JIT_HELP.trustEmail} checked={form.trustEmail} onChange={set('trustEmail')} />
          {form.protocol === 'oidc' ? (
            <>
              <TextField
                label="Issuer"
                name="issuer"
                required
                value={form.issuer}
                onInput={set('issuer')}
                help="Discovery is read from <issuer>/.well-known/openid-configuration."
              />
              <TextField label="Client id" name="clientId" required value={form.clientId} onInput={set('clientId')} />
              <TextField
                label="Client secret"
                name="clientSecret"
                type="password"
                value={form.clientSecret}
                onInput={set('clientSecret')}
                help={
                  loaded.data?.oidc?.hasClientSecret ? 'A secret is stored; leave empty to keep it.' : 'Empty: a public client (PKCE only).'
                }
              />
              <TextField label="Scopes" name="scopes" value={form.scopes} onInput={set('scopes')} />
            </>
          ) : (
            <>
              <TextField
                label="Metadata XML"
                name="metadata"
                multiline
                value={form.metadata}
                onInput={set('metadata')}
                help="Paste the IdP's metadata, or fill in the three fields below instead."
              />
              <TextField label="Entity id" name="entityId" value={form.entityId} onInput={set('entityId')} />
              <TextField label="Single sign-on URL" name="ssoUrl" value={form.ssoUrl} onInput={set('ssoUrl')} />
              <TextField
                label="Signing certificate"
                name="signingCertificate"
                multiline
                value={form.signingCertificate}
                onInput={set('signingCertificate')}
              />
              <CheckField label="Want assertions signed" checked={form.wantAssertionsSigned} onChange={set('wantAssertionsSigned')} />
              <TextField
                label="Subject attribute"
                name="subjectAttribute"
                value={form.subjectAttribute}
                onInput={set('subjectAttribute')}
                help="Take the subject from this attribute instead of the NameID (for transient NameIDs)."
              />
            </>
          )}
        </fieldset>
        <fieldset disabled={!editable}>
          <legend>Just-in-time provisioning</legend>
          <CheckField
            label="JIT provisioning enabled"
            name="jitEnabled"
            help={JIT_HELP.isEnabled}
            checked={form.jit.isEnabled}
            onChange={setJit('isEnabled')}
          />
          <SelectField
            label="Provisioning scheme"
            name="scheme"
            help={JIT_HELP.scheme}
            value={form.jit.scheme}
            options={SCHEMES}
            onChange={setJit('scheme')}
          />
          <TextField
            label="User store"
            name="userstore"
            help={JIT_HELP.userstore}
            value={form.jit.userstore}
            onInput={setJit('userstore')}
          />
          <TextField
            label="Allowed user stores"
            name="allowedUserStores"
            help={JIT_HELP.allowedUserStores}
            value={form.jit.allowedUserStores}
            onInput={setJit('allowedUserStores')}
          />
          <CheckField
            label="Associate local user by email"
            name="associateLocalUser"
            help={JIT_HELP.associateLocalUser}
            checked={form.jit.associateLocalUser}
            onChange={setJit('associateLocalUser')}
          />
          <CheckField
            label="Associate local user by username"
            name="associateByUsername"
            help={JIT_HELP.associateByUsername}
            checked={form.jit.associateByUsername}
            onChange={setJit('associateByUsername')}
          />
          <SelectField
            label="Attribute sync method"
            name="attributeSyncMethod"
            help={JIT_HELP.attributeSyncMethod}
            value={form.jit.attributeSyncMethod}
            options={[
              { value: '', label: 'Follow the server setting' },
              { value: 'OVERRIDE_ALL', label: 'Override all' },
              { value: 'PRESERVE_LOCAL', label: 'Preserve local' },
              { value: 'NONE', label: 'None' },
            ]}
            onChange={setJit('attributeSyncMethod')}
          />
          <SelectField
            label="Mode"
            name="mode"
            help={JIT_HELP.mode}
            value={form.jit.mode}
            options={[
              { value: 'blocking', label: 'Blocking' },
              { value: 'non-blocking', label: 'Non-blocking' },
            ]}
            onChange={setJit('mode')}
          />
          <TextField
            label="Claim mappings"
            name="claimMappings"
            multiline
            help={JIT_HELP.claimMappings}
            value={form.claimMappings}
            onInput={set('claimMappings')}
            placeholder='email = emails[type eq "work"].value'
          />
          <TextField
            label="Role mappings"
            name="roleMappings"
            multiline
            help={JIT_HELP.roleMappings}
            value={form.roleMappings}
            onInput={set('roleMappings')}
          />
          <TextField
            label="Lock inactive users after (days)"
            name="inactiveAfterDays"
            type="number"
            help={JIT_HELP.inactiveAfterDays}
            value={form.inactiveAfterDays}
            onInput={set('inactiveAfterDays')}
          />
        </fieldset>
        {warnings.length > 0 && (
          <Notice kind="warning">
            <p>Before saving:</p>
            <ul data-testid="jit-warnings">
              {warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          </Notice>
        )}
        {error && <Notice kind="error">{error}</Notice>}
        {saved && (
          <Notice kind="ok">
            Saved.
            {saved.warnings?.map((w) => (
              <span key={w.code}> {w.message}</span>
            ))}
          </Notice>
        )}
        {editable && (
          <button type="submit" disabled={busy}>
            {props.id ? 'Save changes' : 'Create identity provider'}
          </button>
        )}
      </form>
      {props.id && editable && loaded.data && <DeleteIdp idp={loaded.data} />}
    </section>
  );
}
