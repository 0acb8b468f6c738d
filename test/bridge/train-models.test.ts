// A training job's model is listed when the job is done, also when a rescan of the models folder (a client asking
// for the model list while the export lands) listed it first.
import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeRuntime } from '../../bridge-server/src/runtime.ts';
import type { TrainJobStatus } from '../../bridge-server/src/protocol/index.ts';
import { writeTrainingImages, writeUntrainedTeacher } from '../trainer/loop/fixtures.ts';
import { startBridge, tempConfigDir, type RunningBridge } from './helpers.ts';

const TINY_RUN = { workers: 0, loraRank: 4, dasmSteps: 2, degradation: 'bicubic', checkpointEvery: 0, sampleEvery: 0, warmupSteps: 1, regulariserWeight: 0 } as const;

let bridge: RunningBridge;
let root: string;
let data: string;
let teacher: string;
let cleanup: () => Promise<void>;
let rescannedFirst = false;

beforeAll(async () => {
  const config = await tempConfigDir();
  cleanup = config.cleanup;
  data = await writeTrainingImages(2, 64);
  root = join(data, '..');
  teacher = await writeUntrainedTeacher(join(root, 'runs'));
  // When the manager loads the exported model to list it, a rescan of the models folder gets there first.
  const loadModelDir = async (dir: string) => {
    if (basename(dir) === 'raced-style' && !rescannedFirst) {
      rescannedFirst = true;
      await bridge.app.registry.refresh(0);
    }
    return nodeRuntime.loadModelDir(dir);
  };
  const models = join(config.dir, 'models');
  bridge = await startBridge({
    configDir: config.dir, modelRoots: [models], trainRoots: [root], runtime: { ...nodeRuntime, loadModelDir },
    training: { runDefaults: TINY_RUN, modelsDir: models },
  });
});
afterAll(async () => {
  await bridge.app.close();
  await rm(root, { recursive: true, force: true });
  await cleanup();
});

describe('a finished tsd job', () => {
  it('is done with its model listed even when a rescan listed the model first', async () => {
    const auth = { authorization: `Bearer ${bridge.token}` };
    const res = await bridge.app.inject({ method: 'POST', url: '/v1/train', headers: auth, payload: { kind: 'tsd', data, teacher, steps: 1, batch: 1, crop: 32, id: 'raced-style' } });
    expect(res.statusCode, res.body).toBe(202);
    const id = (res.json() as TrainJobStatus).id;
    let status: TrainJobStatus;
    do {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = (await bridge.app.inject({ url: `/v1/train/${id}`, headers: auth })).json() as TrainJobStatus;
    } while (status.status === 'queued' || status.status === 'running');
    expect(rescannedFirst).toBe(true);
    expect(status, JSON.stringify(status)).toMatchObject({ status: 'done', model: 'raced-style' });
    const models = (await bridge.app.inject({ url: '/v1/models', headers: auth })).json() as { models: { id: string }[] };
    expect(models.models.filter((m) => m.id === 'raced-style')).toHaveLength(1);
  });
});
