/** Reads a run's latest step and losses from the tail of its train.jsonl (the loop appends one record per step). */
import { open } from 'node:fs/promises';
import { join } from 'node:path';

/** The latest step a run logged and that step's losses. */
export interface LoggedStep {
  step: number;
  losses: Record<string, number>;
}

const TAIL_BYTES = 8192;
const NOT_LOSSES = new Set(['time', 'stage', 'step', 'lr']);

/** The last complete record of `<outDir>/train.jsonl`, or undefined when there is none yet. */
export async function latestLoggedStep(outDir: string): Promise<LoggedStep | undefined> {
  const file = await open(join(outDir, 'train.jsonl'), 'r').catch(() => undefined);
  if (!file) return undefined;
  try {
    const { size } = await file.stat();
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    await file.read(buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n').filter((line) => line.endsWith('}'));
    const last = lines.at(-1);
    return last === undefined ? undefined : parseRecord(last);
  } finally {
    await file.close();
  }
}

function parseRecord(line: string): LoggedStep | undefined {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof record.step !== 'number') return undefined;
  const losses: Record<string, number> = {};
  for (const [key, value] of Object.entries(record)) if (!NOT_LOSSES.has(key) && typeof value === 'number') losses[key] = value;
  return { step: record.step, losses };
}
