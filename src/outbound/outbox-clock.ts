// Decides how far the outbox is settled: no transaction still running can commit an event at or below the
// settled id. Each marked reading notes the last id the sequence handed out, then takes a new transaction
// id N. Every transaction that drew one of those ids got its own xid before drawing, so below N; once a
// later snapshot's xmin reaches N, all of them have committed or rolled back, and the noted id is settled.
//
// It relies on one property of the outbox: `emitOutboxEvent` runs after the change it records (the user or
// group row is written first), so a transaction has its xid before it draws an outbox id.
// Works the same on PostgreSQL 15 and PGlite (PostgreSQL 18): pg_current_snapshot() and
// pg_current_xact_id() exist since 13.
import type { OutboxClockReading } from '../store/index.js';

export class OutboxClock {
  private settled = 0;
  private readonly pending: Array<{ lastId: number; after: bigint }> = [];

  /** Whether the next reading should take a transaction id: only when ids appeared since the last mark. */
  wantsMark(lastSeenId: number | null): boolean {
    const newest = this.pending.length > 0 ? this.pending[this.pending.length - 1]!.lastId : this.settled;
    return lastSeenId === null || lastSeenId > newest;
  }

  /** Feeds a reading; returns the settled id (never goes down). */
  observe(reading: OutboxClockReading): number {
    while (this.pending.length > 0 && this.pending[0]!.after <= reading.xmin) {
      this.settled = Math.max(this.settled, this.pending.shift()!.lastId);
    }
    if (reading.after !== null && reading.lastId > this.settled) {
      this.pending.push({ lastId: reading.lastId, after: reading.after });
      // Bounded memory: under a very long transaction only the newest marks matter.
      if (this.pending.length > 1000) this.pending.splice(0, this.pending.length - 1000);
    }
    return this.settled;
  }

  get settledId(): number {
    return this.settled;
  }
}
