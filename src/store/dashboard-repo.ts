// The console's dashboard figures, per hour of a recent window: JIT provisioning decisions and refusals (from the
// audit log, actions `jit.*`) and outbound deliveries by status with the slowest delivery (lag) of each hour; and
// the outbound queue as it stands now. Counted in the database (a window of a week is at most 168 rows a kind).
import { sql } from 'drizzle-orm';
import { asDate, rows, type Executor } from './database.js';

export interface DashboardHour {
  at: Date;
  /** Audit actions `jit.*` that succeeded, by action. */
  decisions: Record<string, number>;
  /** JIT logins refused (outcome `refused`), all actions together. */
  refusals: number;
  deliveries: { delivered: number; failed: number; pending: number; skipped: number };
  /** The longest time from an event to its delivery among this hour's deliveries (pending: until now); null without any. */
  maxLagSeconds: number | null;
}

export interface DashboardFigures {
  since: Date;
  hours: DashboardHour[];
  now: { pending: number; deadLetters: number; oldestPendingAt: Date | null };
}

const number = (value: unknown) => Number(value ?? 0);

export async function readDashboard(executor: Executor, since: Date): Promise<DashboardFigures> {
  const [decisions, deliveries, queue] = await Promise.all([
    rows<{ hour: unknown; action: string; outcome: string; n: unknown }>(
      executor,
      sql`select date_trunc('hour', at) as hour, action, outcome, count(*) as n from audit_events
          where at >= ${since.toISOString()}::timestamptz and action like 'jit.%' group by 1, 2, 3`,
    ),
    rows<{ hour: unknown; status: string; n: unknown; lag: unknown }>(
      executor,
      sql`select date_trunc('hour', created_at) as hour, status, count(*) as n,
                 max(extract(epoch from (coalesce(delivered_at, now()) - created_at))) as lag
          from outbound_deliveries where created_at >= ${since.toISOString()}::timestamptz group by 1, 2`,
    ),
    rows<{ pending: unknown; failed: unknown; oldest: unknown }>(
      executor,
      sql`select count(*) filter (where status = 'pending') as pending, count(*) filter (where status = 'failed') as failed,
                 min(created_at) filter (where status = 'pending') as oldest
          from outbound_deliveries`,
    ),
  ]);
  const hours = new Map<number, DashboardHour>();
  const hourOf = (value: unknown) => {
    const at = asDate(value);
    let hour = hours.get(at.getTime());
    if (!hour) {
      hour = { at, decisions: {}, refusals: 0, deliveries: { delivered: 0, failed: 0, pending: 0, skipped: 0 }, maxLagSeconds: null };
      hours.set(at.getTime(), hour);
    }
    return hour;
  };
  for (const row of decisions) {
    const hour = hourOf(row.hour);
    if (row.outcome === 'refused') hour.refusals += number(row.n);
    else if (row.outcome === 'success') hour.decisions[row.action] = (hour.decisions[row.action] ?? 0) + number(row.n);
  }
  for (const row of deliveries) {
    const hour = hourOf(row.hour);
    if (row.status in hour.deliveries) hour.deliveries[row.status as keyof DashboardHour['deliveries']] += number(row.n);
    if (row.status !== 'skipped' && row.lag !== null) hour.maxLagSeconds = Math.max(hour.maxLagSeconds ?? 0, Math.round(number(row.lag)));
  }
  const current = queue[0];
  return {
    since,
    hours: [...hours.values()].sort((a, b) => a.at.getTime() - b.at.getTime()),
    now: {
      pending: number(current?.pending),
      deadLetters: number(current?.failed),
      oldestPendingAt: current?.oldest ? asDate(current.oldest) : null,
    },
  };
}
