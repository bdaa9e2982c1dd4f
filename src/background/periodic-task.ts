// A task repeated on a timer. It first runs shortly after start rather than one whole interval later (a daily
// schedule would otherwise wait a day after every deploy), and a run still going when the next is due is not
// doubled: the next one is skipped instead, so a slow sweep never piles up behind itself.

export interface BackgroundTask {
  name: string;
  start(): void;
  stop(): Promise<void>;
}

export interface PeriodicOptions {
  /** Delay before the first run; by default a few seconds, so start-up work finishes first. */
  firstRunDelayMs?: number;
}

const DEFAULT_FIRST_RUN_DELAY_MS = 5_000;

export function every(
  name: string,
  intervalMs: number,
  run: () => Promise<unknown>,
  onError: (error: unknown) => void,
  options: PeriodicOptions = {},
): BackgroundTask {
  let first: NodeJS.Timeout | null = null;
  let timer: NodeJS.Timeout | null = null;
  let current: Promise<unknown> | null = null;
  let stopped = false;
  const tick = () => {
    if (stopped || current) return;
    current = run()
      .catch(onError)
      .finally(() => {
        current = null;
      });
  };
  return {
    name,
    start() {
      stopped = false;
      first = setTimeout(tick, Math.min(options.firstRunDelayMs ?? DEFAULT_FIRST_RUN_DELAY_MS, intervalMs));
      first.unref();
      timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    async stop() {
      stopped = true;
      if (first) clearTimeout(first);
      if (timer) clearInterval(timer);
      await current;
    },
  };
}
