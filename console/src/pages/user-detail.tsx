// One user: attributes with where each came from (provenance), federated identities with lock/unlock, consents,
// second factors, password and sign-in throttle. Buttons show only for roles that may use them.
import { useState } from 'preact/hooks';
import { api, problemText, type Schemas } from '../api/client';
import { can, type Role } from '../auth';
import { Notice, TextField, ok, useLoad, when } from '../ui/kit';
import { useIdpNames } from './applications';

/** The resource's attributes by path, one level into complex attributes (name.givenName). */
function attributes(resource: Record<string, unknown>): Array<[string, unknown]> {
  const rows: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(resource)) {
    if (key === 'schemas' || key === 'meta' || key === 'id') continue;
    if (value && typeof value === 'object' && !Array.isArray(value))
      for (const [sub, inner] of Object.entries(value as Record<string, unknown>)) rows.push([`${key}.${sub}`, inner]);
    else rows.push([key, value]);
  }
  return rows;
}

/** IdPs by name: an id means nothing to a person reading who wrote an attribute. */
type Names = Map<string, string>;

const sourceText = (p: Schemas['ProvenanceEntry'] | undefined, names: Names) => {
  if (!p) return '—';
  const who =
    p.source === 'idp' && p.sourceId ? `IdP ${names.get(p.sourceId) ?? p.sourceId}` : `${p.source}${p.sourceId ? ` ${p.sourceId}` : ''}`;
  return `${who} · ${when(p.at)}`;
};

/**
 * Who wrote an attribute: its own entry (or its parent's), else those of its parts — provenance is kept per value
 * path, so `emails` is written as `emails[type eq "work"].value`.
 */
function writtenBy(provenance: Record<string, Schemas['ProvenanceEntry']>, path: string, names: Names): string {
  const own = provenance[path] ?? provenance[path.split('.')[0]!];
  if (own) return sourceText(own, names);
  const parts = Object.entries(provenance).filter(([key]) => key.startsWith(`${path}[`) || key.startsWith(`${path}.`));
  return parts.length > 0 ? [...new Set(parts.map(([, entry]) => sourceText(entry, names)))].join('; ') : '—';
}

export function UserDetail({ id, role }: { id: string; role: Role }) {
  const user = useLoad(() => ok(api.GET('/users/{id}', { params: { path: { id } } }), problemText), [id]);
  const idps = useIdpNames();
  const names: Names = new Map((idps.data ?? []).map((i) => [i.id, i.name]));
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string }>();
  const act = (label: string, call: () => Promise<unknown>) =>
    call().then(
      () => {
        setMessage({ kind: 'ok', text: label });
        user.reload();
      },
      (e: Error) => setMessage({ kind: 'error', text: e.message }),
    );

  if (user.error) return <Notice kind="error">{user.error}</Notice>;
  if (!user.data) return <p>Loading…</p>;
  const u = user.data;
  return (
    <section aria-labelledby="user-title">
      <h1 id="user-title">{u.userName}</h1>
      <p>
        {u.userStore.domain} · {u.active ? 'active' : 'inactive'}
        {u.locked ? ` · locked (${u.lockedReason ?? 'no reason given'})` : ''}
      </p>
      {message && <Notice kind={message.kind}>{message.text}</Notice>}
      <h2>Attributes</h2>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Attribute</th>
              <th scope="col">Value</th>
              <th scope="col">Written by</th>
            </tr>
          </thead>
          <tbody>
            {attributes(u.resource).map(([path, value]) => (
              <tr key={path}>
                <td>{path}</td>
                <td>{typeof value === 'string' ? value : JSON.stringify(value)}</td>
                <td>{writtenBy(u.provenance, path, names)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Federated identities</h2>
      {u.federatedIdentities.length === 0 && <p>None.</p>}
      <ul class="cards">
        {u.federatedIdentities.map((link) => (
          <li key={link.id} data-testid="federated-identity">
            <span>
              IdP {names.get(link.idpId) ?? link.idpId} · subject {link.subject} · last login {when(link.lastLoginAt)} ·{' '}
              {link.locked ? 'locked' : 'unlocked'}
            </span>
            {can(role, 'operator') && (
              <button
                type="button"
                onClick={() =>
                  act(link.locked ? 'Unlocked.' : 'Locked.', () =>
                    ok(
                      api.PATCH('/federated-identities/{id}', { params: { path: { id: link.id } }, body: { locked: !link.locked } }),
                      problemText,
                    ),
                  )
                }
              >
                {link.locked ? 'Unlock' : 'Lock'}
              </button>
            )}
          </li>
        ))}
      </ul>
      <Consents id={id} role={role} act={act} />
      <Factors id={id} role={role} act={act} />
    </section>
  );
}

type Act = (label: string, call: () => Promise<unknown>) => void;

function Consents({ id, role, act }: { id: string; role: Role; act: Act }) {
  const consents = useLoad(() => ok(api.GET('/users/{id}/consents', { params: { path: { id } } }), problemText), [id]);
  return (
    <>
      <h2>Consents</h2>
      {consents.error && <Notice kind="error">{consents.error}</Notice>}
      {consents.data?.items.length === 0 && <p>None.</p>}
      <ul class="cards">
        {consents.data?.items.map((r) => (
          <li key={r.id}>
            <span>
              {r.purpose.purpose}: {r.consented.join(', ') || 'nothing'} · {when(r.createdAt)}
              {r.revokedAt ? ` · revoked ${when(r.revokedAt)}` : ''}
            </span>
            {can(role, 'admin') && !r.revokedAt && (
              <button
                type="button"
                onClick={() =>
                  act('Consent revoked.', async () => {
                    await ok(api.DELETE('/users/{id}/consents/{receiptId}', { params: { path: { id, receiptId: r.id } } }), problemText);
                    consents.reload();
                  })
                }
              >
                Revoke
              </button>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}

function Factors({ id, role, act }: { id: string; role: Role; act: Act }) {
  const mfa = useLoad(() => ok(api.GET('/users/{id}/mfa', { params: { path: { id } } }), problemText), [id]);
  const throttle = useLoad(() => ok(api.GET('/users/{id}/sign-in-throttle', { params: { path: { id } } }), problemText), [id]);
  const [password, setPassword] = useState('');
  return (
    <>
      <h2>Sign-in</h2>
      <p>
        TOTP:{' '}
        {mfa.data
          ? mfa.data.totp.enrolled
            ? `enrolled ${when(mfa.data.totp.confirmedAt)}, ${mfa.data.totp.recoveryCodesLeft} recovery codes left`
            : 'not enrolled'
          : '…'}
        {can(role, 'operator') && mfa.data?.totp.enrolled && (
          <button
            type="button"
            onClick={() =>
              act('TOTP reset: the user enrols again at the next sign-in.', async () => {
                await ok(api.DELETE('/users/{id}/mfa/totp', { params: { path: { id } } }), problemText);
                mfa.reload();
              })
            }
          >
            Reset TOTP
          </button>
        )}
      </p>
      <p>
        Sign-in throttle: {throttle.data ? (throttle.data.waiting ? 'waiting' : 'not waiting') : '…'}
        {can(role, 'operator') && throttle.data?.waiting && (
          <button
            type="button"
            onClick={() =>
              act('Sign-in unlocked.', async () => {
                await ok(api.DELETE('/users/{id}/sign-in-throttle', { params: { path: { id } } }), problemText);
                throttle.reload();
              })
            }
          >
            Unlock sign-in
          </button>
        )}
      </p>
      {can(role, 'admin') && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            act('Password set.', () => ok(api.PUT('/users/{id}/password', { params: { path: { id } }, body: { password } }), problemText));
            setPassword('');
          }}
        >
          <TextField
            label="New password"
            name="password"
            type="password"
            value={password}
            onInput={setPassword}
            help="The password policy applies; the user signs in with it at LOCAL."
          />
          <button type="submit">Set password</button>
          <button
            type="button"
            class="destructive"
            onClick={() =>
              act('Password removed.', () => ok(api.DELETE('/users/{id}/password', { params: { path: { id } } }), problemText))
            }
          >
            Remove password
          </button>
        </form>
      )}
    </>
  );
}
