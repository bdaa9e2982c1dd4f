// Runs a round of background work again and again: at once while rounds find work, after a pause when a
// round finds none or fails. The outbound worker drives its rounds with it, and so does the job worker in
// src/background/ (which is above outbound in the layers, so the loop lives here, beside the worker that
// needs it first).

export interface PollingLoopOptions {
  /** One round; returns how much work it found (0 = idle). */
  round: () => Promise<number>;
  /** Pause after an idle or failed round. */
  idleDelayMs: number;
  onError?: (error: unknown) => void;
}

export class PollingLoop {
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<void> = Promise.resolve();

  constructor(private readonly options: PollingLoopOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops scheduling and waits for the round in hand to finish. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.current;
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.current = this.options
        .round()
        .then((work) => this.schedule(work > 0 ? 0 : this.options.idleDelayMs))
        .catch((error) => {
          this.options.onError?.(error);
          this.schedule(this.options.idleDelayMs);
        });
    }, delayMs);
  }
}
