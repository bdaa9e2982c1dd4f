// One bounded concurrency limit, shared by the process, for the checks that cost a full scrypt run (128 MiB and
// a good part of a core each): human passwords on LOCAL sign-in, SCIM password writes (also inside Bulk), the
// provisioning prompts, and client secrets still stored in the old scrypt format. A caller that gets no slot
// within the queue timeout is refused with a RetryLaterError (503 + Retry-After in its protocol's format): a queue
// without a bound would let a burst of unauthenticated attempts starve every other request of CPU and memory.
import { RetryLaterError } from '../domain/index.js';

export interface PasswordHashLimits {
  /** scrypt runs at once in this process. */
  concurrency: number;
  /** How long a caller may wait for a slot before it is refused. */
  queueTimeoutMs: number;
}

export const DEFAULT_PASSWORD_HASH_LIMITS: PasswordHashLimits = { concurrency: 4, queueTimeoutMs: 5_000 };

let limits: PasswordHashLimits = { ...DEFAULT_PASSWORD_HASH_LIMITS };

/** What the limit has done so far in this process (tests and the metrics read it). */
export const passwordHashSlots = { running: 0, peak: 0, waiting: 0, granted: 0, refused: 0 };

interface Waiter {
  grant(): void;
}
const queue: Waiter[] = [];

/** Set once at start from PASSWORD_HASH_CONCURRENCY / PASSWORD_HASH_QUEUE_TIMEOUT_MS. */
export function configurePasswordHashLimits(next: PasswordHashLimits): void {
  limits = { ...next };
}

export function passwordHashLimits(): Readonly<PasswordHashLimits> {
  return limits;
}

/** Resets the counters (tests). */
export function resetPasswordHashSlotCounters(): void {
  passwordHashSlots.peak = passwordHashSlots.running;
  passwordHashSlots.granted = 0;
  passwordHashSlots.refused = 0;
}

function busy(): RetryLaterError {
  return new RetryLaterError(
    'unavailable',
    'password_check_busy',
    'The server is busy checking other credentials; try again shortly',
    Math.max(1, Math.ceil(limits.queueTimeoutMs / 1000)),
  );
}

function take(): void {
  passwordHashSlots.running++;
  passwordHashSlots.granted++;
  passwordHashSlots.peak = Math.max(passwordHashSlots.peak, passwordHashSlots.running);
}

function acquire(): Promise<void> | void {
  if (passwordHashSlots.running < limits.concurrency) return take();
  return new Promise<void>((resolve, reject) => {
    const waiter: Waiter = {
      grant: () => {
        clearTimeout(timer);
        passwordHashSlots.waiting--;
        take();
        resolve();
      },
    };
    const timer = setTimeout(() => {
      const at = queue.indexOf(waiter);
      if (at >= 0) queue.splice(at, 1);
      passwordHashSlots.waiting--;
      passwordHashSlots.refused++;
      reject(busy());
    }, limits.queueTimeoutMs);
    passwordHashSlots.waiting++;
    queue.push(waiter);
  });
}

function release(): void {
  passwordHashSlots.running--;
  // The freed slot goes to the oldest waiter first, so a new arrival cannot overtake the queue.
  if (passwordHashSlots.running < limits.concurrency) queue.shift()?.grant();
}

/** Runs `work` (one scrypt run) in a slot of the process-wide limit, or throws RetryLaterError. */
export async function withPasswordHashSlot<T>(work: () => Promise<T>): Promise<T> {
  await acquire();
  try {
    return await work();
  } finally {
    release();
  }
}
