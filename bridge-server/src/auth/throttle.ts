/** Wrong-token throttling per client address: a few mistakes are free, then each answer is delayed, then the address is locked out. */

/** Settings of the throttle. */
export interface AuthThrottleOptions {
  /** Failures within the window answered without delay. */
  failuresBeforeDelay: number;
  /** Failures within the window after which the address is refused for `lockoutMs`. */
  failuresBeforeLockout: number;
  windowMs: number;
  lockoutMs: number;
  /** Added delay per failure past the free ones, up to `maxDelayMs`. */
  delayStepMs: number;
  maxDelayMs: number;
  /** The clock (tests may pass a fake one). */
  now?: () => number;
}

interface AddressRecord {
  failures: number;
  windowStart: number;
  lockedUntil: number;
}

/** Addresses remembered at most; the oldest are forgotten first (a flood of addresses cannot exhaust memory). */
const MAX_ADDRESSES = 10_000;

/** Counts wrong tokens per address and says how to answer the next attempt. */
export class AuthThrottle {
  readonly #records = new Map<string, AddressRecord>();
  readonly #now: () => number;

  constructor(private readonly options: AuthThrottleOptions) {
    this.#now = options.now ?? Date.now;
  }

  /** Milliseconds the address stays locked out (0: not locked). */
  lockedFor(address: string): number {
    const record = this.#records.get(address);
    return record ? Math.max(0, record.lockedUntil - this.#now()) : 0;
  }

  /** Records a wrong token; returns how long to wait before answering it (0: at once). Locks the address out at the limit. */
  fail(address: string): number {
    const now = this.#now();
    const { windowMs, lockoutMs, failuresBeforeDelay, failuresBeforeLockout, delayStepMs, maxDelayMs } = this.options;
    let record = this.#records.get(address);
    if (!record || now - record.windowStart > windowMs) record = { failures: 0, windowStart: now, lockedUntil: record?.lockedUntil ?? 0 };
    record.failures++;
    if (record.failures >= failuresBeforeLockout) {
      record.lockedUntil = now + lockoutMs;
      record.failures = 0;
      record.windowStart = now;
    }
    this.#remember(address, record);
    const excess = record.failures - failuresBeforeDelay;
    return excess > 0 ? Math.min(maxDelayMs, excess * delayStepMs) : 0;
  }

  /** Forgets an address's failures after a right token (a lockout still runs its course). */
  succeed(address: string): void {
    const record = this.#records.get(address);
    if (record && record.lockedUntil <= this.#now()) this.#records.delete(address);
  }

  #remember(address: string, record: AddressRecord): void {
    this.#records.delete(address);
    this.#records.set(address, record);
    if (this.#records.size <= MAX_ADDRESSES) return;
    const oldest = this.#records.keys().next().value;
    if (oldest !== undefined) this.#records.delete(oldest);
  }
}

/** Waits `ms` milliseconds (the delay before answering a wrong token). */
export function pause(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
