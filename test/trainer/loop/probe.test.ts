// The held-out probe: images never trained on, run through the student before the first step and at every sample
// step, scored and drawn; it must change nothing the run learns.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointDir, readCheckpointParameters, scoreHeldOut, trainTsd } from '../../../trainer/src/index.ts';
import { writeTrainingImages } from './fixtures.ts';

const FAST = fileURLToPath(new URL('../../../models/zoo/tsdsr-fast', import.meta.url));
const cleanup: string[] = [];
let data: string;
let probeFiles: string[];
let root: string;

beforeAll(async () => {
  data = await writeTrainingImages(7, 64, 'set');
  root = join(data, '..');
  cleanup.push(root);
  probeFiles = [4, 5, 6].map((k) => join(data, `image-${k}.png`));
});
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

const run = (name: string, probe?: string[], log?: (m: string) => void) => trainTsd({
  data, out: join(root, name), exportDir: join(root, `${name}-model`), fromModel: FAST, steps: 2, batch: 2, cropSizePx: 64, scale: 4,
  degradation: 'bicubic', sampleEvery: 1, checkpointEvery: 2, warmupSteps: 1, workers: 0, exclude: ['image-4.png', 'image-5.png', 'image-6.png'], probe,
}, { log });

describe('the held-out probe', () => {
  it('scores the start model as the runtime does, then every sample step, draws LR | student | HR rows, and changes no weight', async () => {
    const logs: string[] = [];
    const probed = await run('probed', probeFiles, (m) => logs.push(m));
    expect(probed.step).toBe(2);
    const records = (await readFile(join(root, 'probed', 'heldout.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { step: number; psnr_y: number; images: number });
    expect(records.map((r) => [r.step, r.images])).toEqual([[0, 3], [1, 3], [2, 3]]); // 3 crops in two batches of 2: the padding is not scored
    // Step 0 is the shipped model itself: the training graph's output scores as the runtime's upscale of the same crops.
    // Within 0.2 dB: the runtime pads a tile with mirrored margins where the training graph pads convolutions with
    // zeros; on these 64 px crops that moves 0.12 dB, on 128 px ones half as much (a wrong model or range: several dB).
    const [runtime] = await scoreHeldOut(probeFiles, [{ label: 'tsdsr-fast', dir: FAST }], { scale: 4, cropPx: 64 });
    expect(Math.abs(records[0]!.psnr_y - runtime!.psnrY)).toBeLessThan(0.2);
    expect(logs.some((l) => /^held-out PSNR-Y at step 2: \d+\.\d\d dB over 3 crops \([+-]\d+\.\d\d dB since the first probe\)$/.test(l))).toBe(true);
    const sheet = await sharp(join(root, 'probed', 'samples', 'heldout-step-000002.png')).metadata();
    expect([sheet.width, sheet.height]).toEqual([3 * 64, 3 * 64]);

    await run('plain');
    const weights = async (name: string) => readCheckpointParameters(checkpointDir(join(root, name)), 'student', '');
    const [a, b] = [await weights('probed'), await weights('plain')];
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    for (const [name, t] of a) expect(Buffer.from(t.data.buffer).equals(Buffer.from(b.get(name)!.data.buffer)), name).toBe(true);
  }, 180_000);
});
