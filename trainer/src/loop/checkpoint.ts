/**
 * Checkpoints: every session's parameters and AdamW moments in safetensors, the loop's position in JSON. The JSON is
 * the commit: it names its state file (a new name each save), so a crash or a full disk mid-save leaves the previous
 * checkpoint whole, and a meta file is never paired with another save's tensors.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { openSafetensors, removeStaleTemporaries, writeFileAtomic, writeSafetensors, type SafetensorsReader } from '../../../models/io/index.ts';
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
  /** The state file this position belongs to (its header carries the same `checkpoint` id); absent in older checkpoints, which used `state.safetensors`. */
  stateFile?: string;
}

/** File names inside a checkpoint folder: the meta file, and the state file of checkpoints written before state files were named per save. */
export const CHECKPOINT_FILES = Object.freeze({ state: 'state.safetensors', meta: 'checkpoint.json' });

/** `state-<step>-<id>.safetensors`: a save's own state file. */
const STATE_FILE = /^state-\d+-[0-9a-f]+\.safetensors$/;

/**
 * Saves a checkpoint: the tensors to a state file of a new name, then `checkpoint.json` naming it (each fsynced and
 * renamed into place), then the superseded state files go. A failure leaves the previous checkpoint and no new files.
 */
export async function saveCheckpoint(dir: string, sessions: readonly TrainSession[], meta: Omit<CheckpointMeta, 'stateFile'>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await removeStaleTemporaries(dir);
  const id = `${String(meta.step).padStart(6, '0')}-${randomBytes(4).toString('hex')}`;
  const stateFile = `state-${id}.safetensors`;
  const tensors = sessions.flatMap((s) => [...s.state].map(([name, t]) => ({ name: `${s.name}/${name}`, dtype: 'F32' as const, shape: t.dims, data: t.data })));
  try {
    await writeSafetensors(join(dir, stateFile), tensors, { stage: meta.stage, step: String(meta.step), checkpoint: id });
    await writeFileAtomic(join(dir, CHECKPOINT_FILES.meta), `${JSON.stringify({ ...meta, stateFile }, null, 2)}\n`);
  } catch (err) {
    const committed = (await readCheckpointMeta(dir).catch(() => null))?.stateFile === stateFile;
    if (!committed) await rm(join(dir, stateFile), { force: true });
    const reason = err instanceof Error ? err.message : String(err);
    throw Object.assign(new Error(`${dir}: the checkpoint of step ${meta.step} could not be saved (${reason}); the previous checkpoint is kept`, { cause: err }), {
      code: (err as NodeJS.ErrnoException).code,
    });
  }
  for (const name of await readdir(dir)) {
    if (name !== stateFile && (STATE_FILE.test(name) || name === CHECKPOINT_FILES.state || name === `${CHECKPOINT_FILES.meta}.partial`)) await rm(join(dir, name), { force: true });
  }
}

/** Reads a checkpoint's position. */
export async function readCheckpointMeta(dir: string): Promise<CheckpointMeta> {
  return JSON.parse(await readFile(join(dir, CHECKPOINT_FILES.meta), 'utf8')) as CheckpointMeta;
}

/** The path of the state file a checkpoint's meta names. */
export async function checkpointStatePath(dir: string): Promise<string> {
  return join(dir, (await readCheckpointMeta(dir)).stateFile ?? CHECKPOINT_FILES.state);
}

/** Opens a checkpoint's state file and checks it is the one its meta was saved with. */
async function openState(dir: string, meta: CheckpointMeta): Promise<SafetensorsReader> {
  const file = meta.stateFile ?? CHECKPOINT_FILES.state;
  const reader = await openSafetensors(join(dir, file));
  const saved = reader.metadata;
  const id = meta.stateFile?.match(/^state-(.+)\.safetensors$/)?.[1];
  if (saved.step !== String(meta.step) || saved.stage !== meta.stage || (id !== undefined && saved.checkpoint !== id)) {
    await reader.close();
    throw new Error(`${join(dir, file)} is not the state of ${join(dir, CHECKPOINT_FILES.meta)} (it holds ${saved.stage} step ${saved.step}, the meta says ${meta.stage} step ${meta.step})`);
  }
  return reader;
}

/** Restores every session's state from a checkpoint folder and returns the position. */
export async function loadCheckpoint(dir: string, sessions: readonly TrainSession[]): Promise<CheckpointMeta> {
  const meta = await readCheckpointMeta(dir);
  const reader = await openState(dir, meta);
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
  const reader = await openState(dir, await readCheckpointMeta(dir));
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
