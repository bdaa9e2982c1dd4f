// The start page: what the signed-in role may do, and where to begin.
import type { Role } from '../auth';

const MAY: Record<Role, string> = {
  admin: 'You may change everything: identity providers, applications, users and outbound provisioning.',
  operator: 'You may read everything, requeue deliveries, test connectors, lock and unlock federated identities and reset second factors.',
  auditor: 'You may read everything and simulate logins; you cannot change anything.',
};

export function Home({ role }: { role: Role }) {
  return (
    <section aria-labelledby="home-title">
      <h1 id="home-title">Welcome</h1>
      <p data-testid="role-note">{MAY[role]}</p>
      <ul>
        <li>
          <a href="#/identity-providers">Identity providers</a>: upstream sign-in and just-in-time provisioning; simulate a login before
          enabling it.
        </li>
        <li>
          <a href="#/users">Users</a>: search, attributes and where they came from, federated identities.
        </li>
        <li>
          <a href="#/applications">Applications</a>: the apps people sign in to, and how (IdPs, second factor).
        </li>
        <li>
          <a href="#/outbound">Outbound</a>: provisioning to other systems, dead letters.
        </li>
        <li>
          <a href="#/audit">Audit log</a>: who did what.
        </li>
      </ul>
    </section>
  );
}
