// The shell: sign-in, who is signed in and with which role, navigation, and the page for the route. Actions a
// role cannot take are hidden (can()); the admin API checks every call anyway.
import { useEffect, useRef, useState } from 'preact/hooks';
import { can, currentSession, type Role, type Session, signOut, startSignIn } from './auth';
import { useRoute } from './router';
import { Notice } from './ui/kit';
import { useFocusOnNavigate } from './ui/focus-on-navigate';
import { IdentityProviderList } from './pages/identity-providers';
import { IdentityProviderEditor } from './pages/identity-provider-editor';
import { IdentityProviderSimulate } from './pages/identity-provider-simulate';
import { UserSearch } from './pages/users';
import { UserDetail } from './pages/user-detail';
import { OutboundList, OutboundDetail } from './pages/outbound';
import { AuditLog } from './pages/audit';
import { Home } from './pages/home';
import { ApplicationList, NewApplication } from './pages/applications';
import { ApplicationDetail } from './pages/application-detail';
import { EditOutboundConnector, NewOutboundConnector } from './pages/outbound-new';
import { SettingsPage } from './pages/settings';
import { Dashboard } from './pages/dashboard';
import { UserStoreDetail, UserStoreList } from './pages/user-stores';
import { ConsentPurposeEditor, ConsentPurposeList } from './pages/consent-purposes';
import { NewScimClient, ScimClientDetail, ScimClientList } from './pages/scim-clients';
import { KeysPage } from './pages/keys';

const NAV: Array<{ path: string; label: string; role: Role }> = [
  { path: '', label: 'Home', role: 'auditor' },
  { path: 'identity-providers', label: 'Identity providers', role: 'auditor' },
  { path: 'users', label: 'Users', role: 'auditor' },
  { path: 'applications', label: 'Applications', role: 'auditor' },
  { path: 'outbound', label: 'Outbound', role: 'auditor' },
  { path: 'settings', label: 'Settings', role: 'auditor' },
  { path: 'user-stores', label: 'User stores', role: 'auditor' },
  { path: 'consent-purposes', label: 'Consent purposes', role: 'auditor' },
  { path: 'scim-clients', label: 'SCIM clients', role: 'auditor' },
  { path: 'keys', label: 'Keys', role: 'auditor' },
  { path: 'audit', label: 'Audit log', role: 'auditor' },
  { path: 'dashboard', label: 'Dashboard', role: 'auditor' },
];

export function App(props: { signInError?: string }) {
  const [session, setSession] = useState<Session | undefined>(currentSession);
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  useFocusOnNavigate(main, route.join('/'));
  useEffect(() => {
    const out = () => setSession(undefined);
    window.addEventListener('jitbridge:signed-out', out);
    return () => window.removeEventListener('jitbridge:signed-out', out);
  }, []);

  if (!session) return <SignIn error={props.signInError} />;
  const section = route[0] ?? '';
  return (
    <>
      {/* Not a hash change: that would be a route. */}
      <a
        class="skip"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          main.current?.focus();
        }}
      >
        Skip to content
      </a>
      <header class="top">
        <span class="brand">jitbridge console</span>
        <span class="who" data-testid="who">
          {session.name} · <span class={`role ${session.role}`}>{session.role}</span>
        </span>
        <button type="button" class="link" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <nav aria-label="Sections">
        <ul>
          {NAV.filter((n) => can(session.role, n.role)).map((n) => (
            <li key={n.path}>
              <a href={`#/${n.path}`} aria-current={section === n.path ? 'page' : undefined}>
                {n.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1} ref={main}>
        <Page route={route} role={session.role} />
      </main>
    </>
  );
}

function Page({ route, role }: { route: string[]; role: Role }) {
  const [section, id, sub] = route;
  switch (section) {
    case undefined:
      return <Home role={role} />;
    case 'identity-providers':
      if (id === 'new-oidc' || id === 'new-saml')
        return <IdentityProviderEditor protocol={id === 'new-oidc' ? 'oidc' : 'saml'} role={role} />;
      if (id && sub === 'simulate') return <IdentityProviderSimulate id={id} />;
      if (id) return <IdentityProviderEditor id={id} role={role} />;
      return <IdentityProviderList role={role} />;
    case 'users':
      return id ? <UserDetail id={id} role={role} /> : <UserSearch />;
    case 'applications':
      if (id === 'new-oidc' || id === 'new-saml') return <NewApplication protocol={id === 'new-oidc' ? 'oidc' : 'saml'} />;
      return id ? <ApplicationDetail id={id} role={role} /> : <ApplicationList role={role} />;
    case 'outbound':
      if (id === 'new') return <NewOutboundConnector />;
      if (id && sub === 'edit') return <EditOutboundConnector id={id} role={role} />;
      return id ? <OutboundDetail id={id} role={role} /> : <OutboundList role={role} />;
    case 'settings':
      return <SettingsPage role={role} />;
    case 'user-stores':
      return id ? <UserStoreDetail id={id} role={role} /> : <UserStoreList role={role} />;
    case 'consent-purposes':
      if (id === 'new') return <ConsentPurposeEditor role={role} />;
      return id ? <ConsentPurposeEditor id={id} role={role} /> : <ConsentPurposeList role={role} />;
    case 'scim-clients':
      if (id === 'new') return <NewScimClient />;
      return id ? <ScimClientDetail id={id} role={role} /> : <ScimClientList role={role} />;
    case 'keys':
      return <KeysPage role={role} />;
    case 'audit':
      return <AuditLog />;
    case 'dashboard':
      return <Dashboard />;
    default:
      return <Notice kind="error">No such page.</Notice>;
  }
}

function SignIn({ error }: { error?: string }) {
  const [problem, setProblem] = useState(error);
  return (
    <main id="main" class="sign-in">
      <h1>jitbridge console</h1>
      <p>Sign in with your jitbridge account. What you may do depends on your role: admin, operator or auditor.</p>
      {problem && <Notice kind="error">{problem}</Notice>}
      <button type="button" onClick={() => startSignIn(location.hash || '#/').catch((e: Error) => setProblem(e.message))}>
        Sign in
      </button>
    </main>
  );
}
