/** Redis addresses and the names tsdsr uses in Redis: BullMQ queues, image and result keys, worker registrations, cancel channel. */
/** Largest image, and largest result PNG, a job carries through Redis (32 MiB); larger ones need a shared folder or an S3 URL (docs/team.md). */
export const MAX_QUEUE_IMAGE_BYTES = 32 * 1024 * 1024;
/** Prefix of every key tsdsr writes (BullMQ's own keys too), so one Redis database can hold other data beside it. */
export const KEY_PREFIX = 'tsdsr';
/** Milliseconds image and result bytes may stay in Redis when nobody collects them (a bridge that died). */
export const BYTES_TTL_MS = 60 * 60 * 1000;
/** The channel bridges publish cancelled job ids on; every worker listens. */
export const CANCEL_CHANNEL = `${KEY_PREFIX}:cancel`;

/** The BullMQ queue of a model's upscale jobs: one queue per model, so a worker only takes jobs of models it holds. */
export const upscaleQueueName = (model: string): string => `upscale.${model}`;
/** The BullMQ queue of training runs (`tsdsr worker --train`). */
export const TRAIN_QUEUE = 'train';
/** The key of a job's input image bytes. */
export const imageKey = (jobId: string): string => `${KEY_PREFIX}:image:${jobId}`;
/** The key of a job's result PNG. */
export const resultKey = (jobId: string): string => `${KEY_PREFIX}:result:${jobId}`;
/** The key saying a job was cancelled (a worker that picks it up later skips it). */
export const cancelKey = (jobId: string): string => `${KEY_PREFIX}:cancelled:${jobId}`;
/** The key of a worker's registration (models, device), kept alive by its heartbeat. */
export const workerKey = (workerId: string): string => `${KEY_PREFIX}:worker:${workerId}`;
/** The pattern matching every worker registration. */
export const WORKER_KEY_PATTERN = `${KEY_PREFIX}:worker:*`;

/** Where a Redis database is, as ioredis and BullMQ take it. */
export interface RedisAddress {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls?: Record<string, never>;
}

/** The address of a `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS) URL; throws on anything else. */
export function redisOptions(url: string): RedisAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${url}: not a Redis address; give redis://host:port/db`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error(`${url}: the address must start with redis:// or rediss://`);
  const dbText = parsed.pathname.replace(/^\//, '') || '0';
  const db = Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw new Error(`${url}: the database must be a number, got '${dbText}'`);
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    db,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** The address without its password, for logs and messages. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** A job's outcome as the worker reports a failure: a protocol error code and a message, carried in BullMQ's failed reason. */
export interface JobFailure {
  code: string;
  message: string;
}

/** Encodes a failure as the job's failed reason. */
export function encodeFailure(failure: JobFailure): string {
  return JSON.stringify(failure);
}

/** Decodes a failed reason; reasons BullMQ wrote itself (a job stalled too often) come back as `internal`. */
export function decodeFailure(reason: string): JobFailure {
  try {
    const value = JSON.parse(reason) as Partial<JobFailure>;
    if (typeof value.code === 'string' && typeof value.message === 'string') return { code: value.code, message: value.message };
  } catch {
    // not one of ours
  }
  return { code: 'internal', message: `the job failed on a worker: ${reason}` };
}
