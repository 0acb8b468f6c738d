// Fixtures for the fault tests: checkpointed sessions without onnxruntime, a training stage over them, and a model
// directory whose every byte follows from a version number, so what a crash left behind can be told apart exactly.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { add, Graph, mul, tensor, toModelProto } from '../../models/graph/index.ts';
import { writeOnnxModel } from '../../models/io/index.ts';
import type { DataLoader, DataLoaderState } from '../../trainer/src/data/index.ts';
import { Rng } from '../../trainer/src/data/rng.ts'; // not the data index: the SIGKILL test's child starts faster without sharp
import { writeModelDirectory } from '../../trainer/src/export/model-directory.ts';
import type { CheckpointMeta, FloatTensor, TrainSession, TrainStage } from '../../trainer/src/index.ts';

const { onnx } = onnxProto;

/** A stand-in for a TrainSession: named float tensors that a checkpoint saves and restores. */
export function fakeSession(name: string, sizes: Record<string, number>, fill = (i: number, key: string) => i + key.length): TrainSession {
  const state = new Map<string, FloatTensor>(Object.entries(sizes).map(([key, n]) => [key, { dims: [n], data: Float32Array.from({ length: n }, (_, i) => fill(i, key)) }]));
  const restore = (saved: ReadonlyMap<string, FloatTensor>): void => {
    for (const key of state.keys()) {
      const t = saved.get(key);
      if (!t) throw new Error(`${name}: checkpoint lacks ${key}`);
      state.set(key, t);
    }
  };
  return { name, state, restore } as unknown as TrainSession;
}

/** A copy of every tensor of the sessions, by `session/name`. */
export function snapshot(sessions: readonly TrainSession[]): Map<string, Float32Array> {
  return new Map(sessions.flatMap((s) => [...s.state].map(([k, t]) => [`${s.name}/${k}`, Float32Array.from(t.data)] as const)));
}

/** A training stage whose step moves every weight by draws of the loop's RNG: resumed runs match straight ones only if the checkpoint restored it all. */
export function fakeStage(size = 4096): TrainStage {
  const sessions = [fakeSession('student', { w: size, 'w.m': size, 'w.v': size }), fakeSession('reg', { r: size / 4 })];
  return {
    name: 'fake', sessions,
    async step(_batch, rng) {
      for (const s of sessions) {
        for (const t of s.state.values()) {
          const delta = rng.next() - 0.5;
          for (let i = 0; i < t.data.length; i++) t.data[i] = t.data[i]! + delta * ((i % 7) + 1);
        }
      }
      const first = sessions[0]!.state.get('w')!.data[0]!;
      return { losses: { loss: first }, learningRates: { student: 1e-3, reg: 1e-4 } };
    },
  };
}

/** A data loader that hands out empty batches and counts them (its position is what a checkpoint keeps). */
export function countingLoader(seed: number): (state?: DataLoaderState) => DataLoader {
  return (state) => {
    let index = state?.index ?? 0;
    return {
      nextBatch: async () => {
        index++;
        return {};
      },
      getState: () => ({ seed, epoch: 0, index }),
      close: async () => undefined,
    } as unknown as DataLoader;
  };
}

const MODEL_SIZE = 16384; // 64 KB of float32 per weight: writes take long enough to be interrupted

/** Version `v` of the test model's graph: y = x·scale + shift, the weights following from `v`. */
function versionedModel(v: number): ReturnType<typeof toModelProto> {
  const g = new Graph('versioned');
  const x = g.input('x', 'float32', [MODEL_SIZE]);
  const values = (k: number): Float32Array => Float32Array.from({ length: MODEL_SIZE }, (_, i) => v + k + i * 1e-3);
  g.output(add(g, mul(g, x, g.constant(tensor('float32', [MODEL_SIZE], values(0)), 'scale')), g.constant(tensor('float32', [MODEL_SIZE], values(1)), 'shift')), 'y');
  return toModelProto(g);
}

/** The ONNX file bytes of version `v` of the test model's graph. */
export function versionedGraphBytes(v: number): Uint8Array {
  return onnx.ModelProto.encode(versionedModel(v)).finish();
}

/** Version `v` of a two-graph model directory, written as an export writes one (writeModelDirectory). */
export async function writeVersionedModel(dir: string, v: number): Promise<void> {
  await writeModelDirectory(dir, async (temporary) => {
    for (const file of ['encoder.onnx', 'decoder.onnx']) await writeOnnxModel(join(temporary, file), versionedModel(v));
    await writeFile(join(temporary, 'model.json'), JSON.stringify({ id: 'versioned', kind: 'tsdsr', version: v, graphs: { encoder: 'encoder.onnx', decoder: 'decoder.onnx' }, provenance: { steps: v } }));
  });
}

/** Checkpoint version `v`: every tensor value and the position follow from `v`. */
export function versionedCheckpoint(v: number): { sessions: TrainSession[]; meta: Omit<CheckpointMeta, 'stateFile'> } {
  const sizes = { w: 65536, 'w.m': 65536, 'w.v': 65536 }; // 768 KB: long enough a write to be killed in
  return {
    sessions: [fakeSession('student', sizes, (i, key) => v + key.length + i * 1e-3)],
    meta: {
      stage: 'versioned', step: v, totalSteps: 1e9, learningRates: { student: 1e-4 }, data: { seed: 1, epoch: 0, index: v },
      rng: new Rng(v).getState(), options: {}, savedAt: new Date(0).toISOString(),
    },
  };
}
