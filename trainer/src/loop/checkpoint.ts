/** Checkpoints: every session's parameters and AdamW moments in safetensors, the loop's position in JSON. */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openSafetensors, writeSafetensors } from '../../../models/io/index.ts';
import type { RngState } from '../data/index.ts';
import type { DataLoaderState } from '../data/index.ts';
import type { FloatTensor, TrainSession } from './train-session.ts';

/** The loop's position: enough to continue bit-identically. */
export interface CheckpointMeta {
  stage: string;
  /** Steps completed. */
  step: number;
  totalSteps: number;
  /** The learning rate of the last step per session (the schedule is a pure function of the step). */
  learningRates: Record<string, number>;
  data: DataLoaderState;
  rng: RngState;
  /** The options the run was started with (resume checks them). */
  options: Record<string, unknown>;
  savedAt: string;
}

/** File names inside a checkpoint folder. */
export const CHECKPOINT_FILES = Object.freeze({ state: 'state.safetensors', meta: 'checkpoint.json' });

/** Writes `state.safetensors` then `checkpoint.json` (each via a temporary file), so a complete JSON means a complete checkpoint. */
export async function saveCheckpoint(dir: string, sessions: readonly TrainSession[], meta: CheckpointMeta): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tensors = sessions.flatMap((s) => [...s.state].map(([name, t]) => ({ name: `${s.name}/${name}`, dtype: 'F32' as const, shape: t.dims, data: t.data })));
  await writeSafetensors(join(dir, CHECKPOINT_FILES.state), tensors, { stage: meta.stage, step: String(meta.step) });
  const temporary = join(dir, `${CHECKPOINT_FILES.meta}.partial`);
  await writeFile(temporary, `${JSON.stringify(meta, null, 2)}\n`);
  await rename(temporary, join(dir, CHECKPOINT_FILES.meta));
}

/** Reads a checkpoint's position. */
export async function readCheckpointMeta(dir: string): Promise<CheckpointMeta> {
  return JSON.parse(await readFile(join(dir, CHECKPOINT_FILES.meta), 'utf8')) as CheckpointMeta;
}

/** Restores every session's state from a checkpoint folder and returns the position. */
export async function loadCheckpoint(dir: string, sessions: readonly TrainSession[]): Promise<CheckpointMeta> {
  const meta = await readCheckpointMeta(dir);
  const reader = await openSafetensors(join(dir, CHECKPOINT_FILES.state));
  try {
    for (const s of sessions) {
      const saved = new Map<string, FloatTensor>();
      for (const name of s.state.keys()) {
        const key = `${s.name}/${name}`;
        saved.set(name, { dims: [...reader.info(key).shape], data: await reader.readFloat32(key) });
      }
      s.restore(saved);
    }
  } finally {
    await reader.close();
  }
  return meta;
}

/**
 * The parameters a checkpoint holds for one session, keyed without `prefix` (e.g. session `student`, prefix
 * `student.`: an earlier TSD run's student weights). Moments are left out; a missing session is an error.
 */
export async function readCheckpointParameters(dir: string, session: string, prefix: string): Promise<Map<string, FloatTensor>> {
  const reader = await openSafetensors(join(dir, CHECKPOINT_FILES.state));
  try {
    const head = `${session}/${prefix}`;
    const names = new Set(reader.names);
    const isMoment = (name: string): boolean => /\.[mv]$/.test(name) && names.has(name.slice(0, -2)); // AdamW's `<param>.m`, `<param>.v`
    const out = new Map<string, FloatTensor>();
    for (const name of reader.names) {
      if (name.startsWith(head) && !isMoment(name)) out.set(name.slice(head.length), { dims: [...reader.info(name).shape], data: await reader.readFloat32(name) });
    }
    if (out.size === 0) throw new Error(`${dir}: the checkpoint holds no ${session} parameters under ${prefix}`);
    return out;
  } finally {
    await reader.close();
  }
}
