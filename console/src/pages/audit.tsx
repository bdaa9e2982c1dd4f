// The audit log, newest first, filtered by action, target type and target id (the API's filters); who acted is
// named (actor-names.ts).
import { useState } from 'preact/hooks';
import { api, problemText } from '../api/client';
import { Notice, TextField, ok, useLoad, when } from '../ui/kit';
import { actorLabel, useActorNames } from './actor-names';

export function AuditLog() {
  const [draft, setDraft] = useState({ action: '', targetType: '', targetId: '' });
  const [filters, setFilters] = useState(draft);
  const [before, setBefore] = useState<number>();
  const query = Object.fromEntries(Object.entries(filters).filter(([, v]) => v.trim()));
  const { data, error } = useLoad(
    () => ok(api.GET('/audit-events', { params: { query: { ...query, limit: 50, ...(before ? { before } : {}) } } }), problemText),
    [JSON.stringify(filters), before],
  );
  const names = useActorNames(data?.items);
  const set = (key: keyof typeof draft) => (value: string) => setDraft((d) => ({ ...d, [key]: value }));
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setBefore(undefined);
          setFilters(draft);
        }}
      >
        <TextField label="Action" name="action" value={draft.action} onInput={set('action')} placeholder="jit.user.create" />
        <TextField label="Target type" name="targetType" value={draft.targetType} onInput={set('targetType')} placeholder="user" />
        <TextField label="Target id" name="targetId" value={draft.targetId} onInput={set('targetId')} />
        <button type="submit">Filter</button>
      </form>
      {error && <Notice kind="error">{error}</Notice>}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {data?.items.map((e) => (
              <tr key={e.id}>
                <td>{when(e.at)}</td>
                <td data-testid="actor">{actorLabel(e, names)}</td>
                <td>{e.action}</td>
                <td>
                  {e.targetType ?? ''} {e.targetId ?? ''}
                </td>
                <td>
                  {e.outcome}
                  {e.reason ? ` (${e.reason})` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {data?.nextBefore && (
        <button type="button" onClick={() => setBefore(data.nextBefore ?? undefined)}>
          Older events
        </button>
      )}
    </section>
  );
}
