// SIGKILL while a checkpoint or a model export is being written: a child process writes versions 1, 2, ... of both
// in a loop and is killed at a few seeded moments; what is on disk is then always the last complete version or the
// one being written, whole and bit for bit, never a mix; the next writer clears what the killed one left.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previousPathFor, recoverDirectory } from '../../models/io/index.ts';
import { Rng } from '../../trainer/src/data/index.ts';
import { loadCheckpoint, saveCheckpoint } from '../../trainer/src/index.ts';
import { snapshot, versionedCheckpoint, versionedGraphBytes, writeVersionedModel } from './fixtures.ts';

const WRITER = fileURLToPath(new URL('./write-loop.ts', import.meta.url));

let base: string;
beforeAll(async () => void (base = await mkdtemp(join(tmpdir(), 'tsdsr-sigkill-'))));
afterAll(() => rm(base, { recursive: true, force: true }));

/** Runs the writer until it has finished one more version and `delayMs` have passed, then SIGKILLs it; returns the last version it finished. */
async function killWriterMidway(dir: string, delayMs: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let [stdout, stderr] = ['', ''];
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) resolve();
    });
    void exited.then(() => reject(new Error(`the writer exited before writing a version: ${stderr}`)));
  });
  await sleep(delayMs);
  child.kill('SIGKILL');
  expect(await exited, stderr).toBe('SIGKILL');
  return Math.max(...stdout.split('\n').filter(Boolean).map(Number));
}

/** The checkpoint's version after checking that every tensor and the position are exactly that version's. */
async function wholeCheckpointVersion(dir: string): Promise<number> {
  const { sessions } = versionedCheckpoint(0);
  const meta = await loadCheckpoint(join(dir, 'checkpoint'), sessions);
  const expected = versionedCheckpoint(meta.step);
  expect(meta).toMatchObject({ ...expected.meta, stateFile: expect.any(String) });
  const [got, want] = [snapshot(sessions), snapshot(expected.sessions)];
  for (const [name, values] of want) expect(Buffer.from(got.get(name)!.buffer).equals(Buffer.from(values.buffer)), name).toBe(true);
  return meta.step;
}

/** The model directory's version after checking its files are exactly that version's and nothing else. */
async function wholeModelVersion(modelDir: string): Promise<number> {
  expect((await readdir(modelDir)).sort()).toEqual(['decoder.onnx', 'encoder.onnx', 'model.json']);
  const { version } = JSON.parse(await readFile(join(modelDir, 'model.json'), 'utf8')) as { version: number };
  for (const file of ['encoder.onnx', 'decoder.onnx']) expect((await readFile(join(modelDir, file))).equals(versionedGraphBytes(version)), file).toBe(true);
  return version;
}

describe('SIGKILL during checkpoint and model writes', () => {
  it('leaves the last complete version or the new one of each, whole, and the next writer clears the leftovers', async () => {
    const dir = join(base, 'run');
    const model = join(dir, 'model');
    const delays = new Rng(14);
    let finished = 0;
    for (let kill = 0; kill < 3; kill++) {
      finished = await killWriterMidway(dir, delays.int(0, 200));
      const checkpoint = await wholeCheckpointVersion(dir);
      expect([finished, finished + 1]).toContain(checkpoint);
      if (!existsSync(model)) { // killed between the two renames of the swap: the old version waits under its previous name
        expect(await wholeModelVersion(previousPathFor(model))).toBe(finished);
        expect(await recoverDirectory(model)).toMatch(/^restored /);
      }
      const version = await wholeModelVersion(model);
      expect([finished, finished + 1]).toContain(version);
      expect(version).toBeLessThanOrEqual(checkpoint);
    }

    const next = versionedCheckpoint(finished + 2);
    await saveCheckpoint(join(dir, 'checkpoint'), next.sessions, next.meta);
    await writeVersionedModel(model, finished + 2);
    expect(await wholeCheckpointVersion(dir)).toBe(finished + 2);
    expect(await wholeModelVersion(model)).toBe(finished + 2);
    expect((await readdir(join(dir, 'checkpoint'))).filter((name) => name.endsWith('.partial'))).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(['checkpoint', 'model']);
  }, 60_000);
});
