/** Jobs per minute per user: a token bucket per user name that holds up to a minute's worth of jobs and refills continuously. */

/** Settings of the rate limit. */
export interface RateLimitOptions {
  /** Jobs a user may start per minute on average; also the burst a full bucket allows. 0 turns the limit off. */
  jobsPerMinute: number;
  /** The clock in milliseconds (tests pass a fake one). */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Users remembered at most; the least recently seen are forgotten first (a forgotten user starts with a full bucket). */
const MAX_USERS = 10_000;
const MINUTE_MS = 60_000;

/** Counts jobs per user and says when the next one may come. */
export class UserRateLimit {
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;

  constructor(private readonly options: RateLimitOptions) {
    if (!Number.isFinite(options.jobsPerMinute) || options.jobsPerMinute < 0) throw new RangeError('jobsPerMinute must be 0 or more');
    this.#now = options.now ?? Date.now;
  }

  /** True when the limit is on. */
  get enabled(): boolean {
    return this.options.jobsPerMinute > 0;
  }

  /** Takes one job from the user's bucket; returns 0 when allowed, else the milliseconds until one job is allowed again. */
  take(user: string): number {
    const rate = this.options.jobsPerMinute;
    if (rate <= 0) return 0;
    const now = this.#now();
    const previous = this.#buckets.get(user);
    const refilled = previous ? Math.min(rate, previous.tokens + ((now - previous.at) * rate) / MINUTE_MS) : rate;
    const bucket = { tokens: refilled, at: now };
    this.#buckets.delete(user);
    this.#buckets.set(user, bucket);
    if (this.#buckets.size > MAX_USERS) this.#buckets.delete(this.#buckets.keys().next().value!);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) * MINUTE_MS) / rate);
  }
}
