// The identity providers: protocol, whether they are on, and their JIT policy at a glance.
import { api, problemText } from '../api/client';
import { can, type Role } from '../auth';
import { Notice, ok, useLoad } from '../ui/kit';
import { SCHEMES } from './jit-help';

export function IdentityProviderList({ role }: { role: Role }) {
  const { data, error } = useLoad(() => ok(api.GET('/identity-providers'), problemText), []);
  return (
    <section aria-labelledby="idps-title">
      <h1 id="idps-title">Identity providers</h1>
      {can(role, 'admin') && (
        <p class="actions">
          <a class="button" href="#/identity-providers/new-oidc">
            New OpenID Connect IdP
          </a>
          <a class="button" href="#/identity-providers/new-saml">
            New SAML IdP
          </a>
        </p>
      )}
      {error && <Notice kind="error">{error}</Notice>}
      {data && data.items.length === 0 && <p>No identity providers yet.</p>}
      {data && data.items.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Protocol</th>
                <th scope="col">Enabled</th>
                <th scope="col">JIT</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((idp) => (
                <tr key={idp.id}>
                  <td>
                    <a href={`#/identity-providers/${idp.id}`}>{idp.name}</a>
                  </td>
                  <td>{idp.protocol.toUpperCase()}</td>
                  <td>{idp.enabled ? 'yes' : 'no'}</td>
                  <td>
                    {idp.provisioning.jit.isEnabled
                      ? (SCHEMES.find((s) => s.value === idp.provisioning.jit.scheme)?.label ?? idp.provisioning.jit.scheme)
                      : 'off'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
