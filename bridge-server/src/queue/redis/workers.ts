/** Worker registrations in Redis: each `tsdsr worker` says which models it holds and on which device; bridges read them. */
import type { Redis } from 'ioredis';
import { WORKER_KEY_PATTERN, workerKey } from './connection.ts';

/** What a worker tells bridges about itself. */
export interface WorkerRegistration {
  id: string;
  host: string;
  pid: number;
  device: string;
  models: string[];
  concurrency: number;
  /** It takes training runs too (`--train`). */
  train?: boolean;
  startedAt: string;
}

/** Writes a registration that lives `ttlMs` unless written again. */
export async function register(redis: Redis, worker: WorkerRegistration, ttlMs: number): Promise<void> {
  await redis.set(workerKey(worker.id), JSON.stringify(worker), 'PX', ttlMs);
}

/** Removes a registration (the worker is stopping). */
export async function unregister(redis: Redis, workerId: string): Promise<void> {
  await redis.del(workerKey(workerId));
}

/** Every live registration. */
export async function listWorkers(redis: Redis): Promise<WorkerRegistration[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', WORKER_KEY_PATTERN, 'COUNT', 100);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  return values.flatMap((value) => (value === null ? [] : [JSON.parse(value) as WorkerRegistration]));
}
