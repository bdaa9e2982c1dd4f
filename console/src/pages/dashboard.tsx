// The dashboard: JIT decisions, refusals and outbound lag per hour (GET /dashboard), as small SVG charts (drawn
// with attributes, no inline style, for the CSP) with the same figures in a table for screen readers.
import { useState } from 'preact/hooks';
import { api, problemText, type Schemas } from '../api/client';
import { Notice, SelectField, ok, useLoad, when } from '../ui/kit';

type Hour = Schemas['Dashboard']['hours'][number];

/** Every hour of the window, the quiet ones as zeros, so the charts' time axis is even. */
function everyHour(since: string, hours: Hour[]): Hour[] {
  const byTime = new Map(hours.map((h) => [new Date(h.at).getTime(), h]));
  const start = Math.floor(new Date(since).getTime() / 3_600_000) * 3_600_000;
  const all: Hour[] = [];
  for (let t = start; t <= Date.now(); t += 3_600_000)
    all.push(
      byTime.get(t) ?? {
        at: new Date(t).toISOString(),
        decisions: {},
        refusals: 0,
        deliveries: { delivered: 0, failed: 0, pending: 0, skipped: 0 },
        maxLagSeconds: null,
      },
    );
  return all;
}

const created = (h: Hour) => h.decisions['jit.user.create'] ?? 0;
const linked = (h: Hour) => (h.decisions['jit.user.link'] ?? 0) + (h.decisions['jit.user.sync'] ?? 0);

function Bars(props: { label: string; hours: Hour[]; value: (h: Hour) => number; unit?: string }) {
  const values = props.hours.map(props.value);
  const max = Math.max(1, ...values);
  const total = values.reduce((a, b) => a + b, 0);
  const width = Math.max(1, values.length) * 12;
  return (
    <figure class="chart">
      <figcaption>
        {props.label}: {props.unit ? `at most ${Math.max(0, ...values)} ${props.unit}` : `${total} in all`}
      </figcaption>
      <svg
        viewBox={`0 0 ${width} 60`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`${props.label} per hour`}
        width="100%"
        height="60"
      >
        {values.map((v, i) => (
          <rect key={i} x={i * 12 + 1} y={60 - (v / max) * 58} width={10} height={(v / max) * 58} fill="#0b57a4">
            <title>{`${when(props.hours[i]!.at)}: ${v}${props.unit ? ` ${props.unit}` : ''}`}</title>
          </rect>
        ))}
      </svg>
    </figure>
  );
}

export function Dashboard() {
  const [period, setPeriod] = useState<'24' | '72' | '168'>('24');
  const { data, error } = useLoad(() => ok(api.GET('/dashboard', { params: { query: { hours: Number(period) } } }), problemText), [period]);
  return (
    <section aria-labelledby="dash-title">
      <h1 id="dash-title">Dashboard</h1>
      <SelectField
        label="Period"
        value={period}
        options={[
          { value: '24', label: 'Last 24 hours' },
          { value: '72', label: 'Last 3 days' },
          { value: '168', label: 'Last 7 days' },
        ]}
        onChange={setPeriod}
      />
      {error && <Notice kind="error">{error}</Notice>}
      {data && (
        <>
          <p data-testid="queue-now">
            Outbound now: {data.now.pending} pending, {data.now.deadLetters} dead letters
            {data.now.lagSeconds > 0 ? `, oldest waiting ${data.now.lagSeconds} s` : ''}.
          </p>
          <div class="charts">
            <Bars label="Users created by JIT" hours={everyHour(data.since, data.hours)} value={created} />
            <Bars label="Logins linked or synced" hours={everyHour(data.since, data.hours)} value={linked} />
            <Bars label="Refusals" hours={everyHour(data.since, data.hours)} value={(h) => h.refusals} />
            <Bars label="Outbound lag" hours={everyHour(data.since, data.hours)} value={(h) => h.maxLagSeconds ?? 0} unit="s" />
          </div>
          <div class="table-wrap">
            <table>
              <caption>Per hour</caption>
              <thead>
                <tr>
                  <th scope="col">Hour</th>
                  <th scope="col">Created</th>
                  <th scope="col">Linked or synced</th>
                  <th scope="col">Refused</th>
                  <th scope="col">Delivered</th>
                  <th scope="col">Dead letters</th>
                  <th scope="col">Max lag (s)</th>
                </tr>
              </thead>
              <tbody>
                {data.hours.map((h) => (
                  <tr key={h.at}>
                    <td>{when(h.at)}</td>
                    <td>{created(h)}</td>
                    <td>{linked(h)}</td>
                    <td>{h.refusals}</td>
                    <td>{h.deliveries.delivered}</td>
                    <td>{h.deliveries.failed}</td>
                    <td>{h.maxLagSeconds ?? '—'}</td>
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
