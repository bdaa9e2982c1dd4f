// Decides how far the outbox can be called settled: no transaction still running can commit an event at or
// below the settled id. Each reading notes the last id the sequence handed out and the first transaction
// id not yet handed out (snapshot xmax). Once a later snapshot's xmin has passed that xmax, every
// transaction that could hold one of those ids has committed or rolled back, so the noted id is settled.
//
// It relies on one property of the outbox: `emitOutboxEvent` runs after the change it records (the user or
// group row is written first), so a transaction has its id (xid) before it draws an outbox id.
// Works the same on PostgreSQL 15 and PGlite (PostgreSQL 18): pg_current_snapshot() exists since 13.
import type { OutboxClockReading } from '../store/outbound-repo.js';

export class OutboxClock {
  private settled = 0;
  private readonly pending: Array<{ lastId: number; xmax: bigint }> = [];

  /** Feeds a reading; returns the settled id (never goes down). */
  observe(reading: OutboxClockReading): number {
    while (this.pending.length > 0 && this.pending[0]!.xmax <= reading.xmin) {
      this.settled = Math.max(this.settled, this.pending.shift()!.lastId);
    }
    // Nothing running that predates this reading: it is settled at once.
    if (reading.xmin >= reading.xmax) this.settled = Math.max(this.settled, reading.lastId);
    else {
      const last = this.pending[this.pending.length - 1];
      if (!last || last.lastId !== reading.lastId || last.xmax !== reading.xmax) this.pending.push({ lastId: reading.lastId, xmax: reading.xmax });
      // Bounded memory: under a permanently long transaction only the newest readings matter.
      if (this.pending.length > 1000) this.pending.splice(0, this.pending.length - 1000);
    }
    return this.settled;
  }

  get settledId(): number {
    return this.settled;
  }
}
