import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { every } from '../../src/background/periodic-task.js';

describe('every (periodic background task)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs soon after start, not one whole interval later', async () => {
    const run = vi.fn(async () => {});
    const task = every('t', 24 * 3_600_000, run, () => {}, { firstRunDelayMs: 1_000 });
    task.start();
    await vi.advanceTimersByTimeAsync(999);
    expect(run).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(1);
    await task.stop();
  });

  it('skips a tick while the previous run is still going, and stop waits for it', async () => {
    let release!: () => void;
    let finished = false;
    const run = vi.fn(
      () =>
        new Promise<void>((resolve) => {
          release = () => {
            finished = true;
            resolve();
          };
        }),
    );
    const task = every('t', 100, run, () => {}, { firstRunDelayMs: 10 });
    task.start();
    await vi.advanceTimersByTimeAsync(350);
    expect(run).toHaveBeenCalledTimes(1);
    const stopping = task.stop();
    release();
    await stopping;
    expect(finished).toBe(true);
    await vi.advanceTimersByTimeAsync(500);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('reports a failing run and keeps going', async () => {
    const onError = vi.fn();
    const run = vi.fn(async () => {
      throw new Error('boom');
    });
    const task = every('t', 100, run, onError, { firstRunDelayMs: 10 });
    task.start();
    await vi.advanceTimersByTimeAsync(210);
    expect(run).toHaveBeenCalledTimes(3);
    expect(onError).toHaveBeenCalledTimes(3);
    await task.stop();
  });
});
