// Finding users: a plain search box (userName, email, display name) or a SCIM filter.
import { useState } from 'preact/hooks';
import { api, problemText, type Schemas } from '../api/client';
import { Notice, TextField, ok } from '../ui/kit';

export function UserSearch() {
  const [q, setQ] = useState('');
  const [filter, setFilter] = useState('');
  const [result, setResult] = useState<Schemas['UserSearchResult']>();
  const [error, setError] = useState<string>();

  function search(event: Event) {
    event.preventDefault();
    setError(undefined);
    const query = filter.trim() ? { filter } : { q };
    ok(api.GET('/users', { params: { query: { ...query, count: 50 } } }), problemText).then(setResult, (e: Error) => setError(e.message));
  }

  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">Users</h1>
      <form onSubmit={search} role="search">
        <TextField label="Search" name="q" value={q} onInput={setQ} help="Part of a username, email or name." />
        <TextField
          label="Or a SCIM filter"
          name="filter"
          value={filter}
          onInput={setFilter}
          placeholder='userName sw "a" and active eq true'
        />
        <button type="submit">Search</button>
      </form>
      {error && <Notice kind="error">{error}</Notice>}
      {result && (
        <>
          <p role="status">
            {result.totalResults} user{result.totalResults === 1 ? '' : 's'} found
          </p>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Username</th>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Active</th>
                </tr>
              </thead>
              <tbody>
                {result.users.map((u) => (
                  <tr key={u.id}>
                    <td>
                      <a href={`#/users/${u.id}`}>{u.userName}</a>
                    </td>
                    <td>{u.displayName ?? '—'}</td>
                    <td>{u.email ?? '—'}</td>
                    <td>{u.active ? 'yes' : 'no'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
