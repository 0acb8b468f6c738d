// A full disk (ENOSPC part-way through a write, injected below node:fs/promises for one folder) during a training
// checkpoint or a model export leaves the previous checkpoint or model whole and no temporary files; resume goes on
// from the kept checkpoint exactly as an uninterrupted run.
import type { FileHandle } from 'node:fs/promises';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { averageModels, checkpointDir, checkpointStatePath, loadCheckpoint, runTrainingLoop, type LoopOptions, type TrainStage } from '../../trainer/src/index.ts';
import { countingLoader, fakeStage, snapshot, writeVersionedModel } from './fixtures.ts';

/** The injected fault: writes to files under `under` may add `bytesLeft` more bytes, then fail with ENOSPC. */
const disk = vi.hoisted(() => ({ under: '\u0000', bytesLeft: Infinity }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const noSpace = (): Error => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
  /** Takes `wanted` bytes of the budget; returns how many may be written (fewer means: write those, then fail). */
  const take = (wanted: number): number => {
    const granted = Math.min(wanted, disk.bytesLeft);
    disk.bytesLeft -= granted;
    return granted;
  };
  const limit = (handle: FileHandle): FileHandle => {
    const write = handle.write.bind(handle) as (buffer: Uint8Array, offset?: number, length?: number, position?: number | null) => Promise<{ bytesWritten: number }>;
    const writeFile = handle.writeFile.bind(handle);
    Object.assign(handle, {
      async write(buffer: Uint8Array, offset = 0, length = buffer.byteLength - offset, position: number | null = null) {
        const granted = take(length);
        if (granted > 0) await write(buffer, offset, granted, position);
        if (granted < length) throw noSpace();
        return { bytesWritten: granted, buffer };
      },
      async writeFile(data: string | Uint8Array) {
        const bytes = typeof data === 'string' ? Buffer.from(data) : data;
        const granted = take(bytes.byteLength);
        await writeFile(bytes.subarray(0, granted));
        if (granted < bytes.byteLength) throw noSpace();
      },
    });
    return handle;
  };
  const affected = (path: unknown): boolean => String(path).startsWith(disk.under);
  const open = async (...args: Parameters<typeof fs.open>): Promise<FileHandle> => {
    const handle = await fs.open(...args);
    return affected(args[0]) ? limit(handle) : handle;
  };
  const writeFile = async (path: string, data: string | Uint8Array): Promise<void> => {
    if (!affected(path)) return fs.writeFile(path, data);
    const handle = await open(path, 'w');
    try {
      await handle.writeFile(data);
    } finally {
      await handle.close();
    }
  };
  return { ...fs, open, writeFile, default: { ...fs, open, writeFile } };
});

let base: string;
beforeAll(async () => void (base = await mkdtemp(join(tmpdir(), 'tsdsr-full-disk-'))));
afterAll(async () => {
  disk.bytesLeft = Infinity;
  await rm(base, { recursive: true, force: true });
});

const loopOptions = (outDir: string, o: Partial<LoopOptions> = {}): LoopOptions => ({
  outDir, totalSteps: 6, batchSize: 1, seed: 9, checkpointEvery: 2, sampleEvery: 0, makeLoader: countingLoader(9), options: { test: true }, ...o,
});

/** The stage with the disk filling up (to `budget` more bytes under `dir`) as step `at` starts. */
function fillDiskAt(stage: TrainStage, at: number, dir: string, budget: () => Promise<number>): TrainStage {
  return {
    ...stage,
    step: async (batch, rng, step) => {
      if (step === at) Object.assign(disk, { under: dir, bytesLeft: await budget() });
      return stage.step(batch, rng, step);
    },
  };
}

const sameBits = (a: Map<string, Float32Array>, b: Map<string, Float32Array>): boolean =>
  a.size === b.size && [...a].every(([k, t]) => Buffer.from(t.buffer).equals(Buffer.from(b.get(k)!.buffer)));

describe('a full disk during a training checkpoint', () => {
  let atStep2: Map<string, Float32Array>;
  let straight: { state: Map<string, Float32Array>; history: Record<string, number>[] };

  beforeAll(async () => {
    const first = fakeStage();
    await runTrainingLoop(first, loopOptions(join(base, 'reference-2'), { stopAfterStep: 2 }));
    atStep2 = snapshot(first.sessions);
    const whole = fakeStage();
    const result = await runTrainingLoop(whole, loopOptions(join(base, 'reference-6')));
    straight = { state: snapshot(whole.sessions), history: result.history };
  });

  const stateBytes = async (): Promise<number> => (await stat(await checkpointStatePath(checkpointDir(join(base, 'reference-2'))))).size;
  it.each([
    ['part-way through the tensors', async () => 1000],
    ['after the tensors, part-way through checkpoint.json', async () => (await stateBytes()) + 100],
  ])('%s keeps the step-2 checkpoint, leaves no temporary file, and resume matches an uninterrupted run', async (name, budget) => {
    const out = join(base, name.replaceAll(/\W+/g, '-'));
    const dir = checkpointDir(out);
    const failing = runTrainingLoop(fillDiskAt(fakeStage(), 3, dir, budget), loopOptions(out));
    await expect(failing).rejects.toThrow(/the checkpoint of step 4 could not be saved \(ENOSPC.*\); the previous checkpoint is kept/);
    await expect(failing).rejects.toMatchObject({ code: 'ENOSPC' });
    disk.bytesLeft = Infinity;

    const files = (await readdir(dir)).sort();
    expect(files).toEqual(['checkpoint.json', expect.stringMatching(/^state-000002-[0-9a-f]{8}\.safetensors$/)]);
    const restored = fakeStage();
    expect((await loadCheckpoint(dir, restored.sessions)).step).toBe(2);
    expect(sameBits(snapshot(restored.sessions), atStep2)).toBe(true);

    const resumed = fakeStage();
    const rest = await runTrainingLoop(resumed, loopOptions(out, { resume: true }));
    expect(rest.step).toBe(6);
    expect(rest.history).toEqual(straight.history.slice(2));
    expect(sameBits(snapshot(resumed.sessions), straight.state)).toBe(true);
    expect((await readdir(dir)).filter((f) => f.startsWith('.') || f.includes('partial'))).toEqual([]);
  });
});

describe('a full disk during a model export', () => {
  it('leaves the previous model directory byte for byte and no temporary folder', async () => {
    const root = join(base, 'models');
    const [a, b, out] = [join(root, 'a'), join(root, 'b'), join(root, 'average')];
    await writeVersionedModel(a, 1);
    await writeVersionedModel(b, 3);
    await averageModels([{ dir: a, weight: 0.5 }, { dir: b, weight: 0.5 }], out);
    const before = await Promise.all(['model.json', 'encoder.onnx', 'decoder.onnx'].map((f) => readFile(join(out, f))));

    const [json, encoder, decoder] = before.map((bytes) => bytes.byteLength);
    expect(json).toBeGreaterThan(20);
    for (const budget of [10, encoder! + decoder! / 2, encoder! + decoder! + 10]) { // in the first graph, the second, and model.json
      Object.assign(disk, { under: root, bytesLeft: budget });
      await expect(averageModels([{ dir: a, weight: 0.25 }, { dir: b, weight: 0.75 }], out)).rejects.toMatchObject({ code: 'ENOSPC' });
      disk.bytesLeft = Infinity;
      const after = await Promise.all(['model.json', 'encoder.onnx', 'decoder.onnx'].map((f) => readFile(join(out, f))));
      expect(after.every((bytes, i) => bytes.equals(before[i]!))).toBe(true);
      expect((await readdir(root)).sort()).toEqual(['a', 'average', 'b']);
    }
    await averageModels([{ dir: a, weight: 0.25 }, { dir: b, weight: 0.75 }], out);
    expect(JSON.parse(await readFile(join(out, 'model.json'), 'utf8')).provenance.averagedFrom.map((s: { weight: number }) => s.weight)).toEqual([0.25, 0.75]);
  });
});
