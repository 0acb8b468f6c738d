// The learned degradation estimate: its plain-TypeScript forward pass against the patch discriminator graph run by
// onnxruntime-node, its weights' encoding, which patches it reads, and its training step (a tiny net learns to tell
// clean textures from noisy ones, and the runtime's pass agrees with the session's logits).
import { describe, expect, it } from 'vitest';
import { Graph } from '../../models/graph/index.ts';
import { MapWeightSource, patchDiscriminator, patchDiscriminatorWeightShapes, type PatchDiscriminatorConfig } from '../../models/nets/index.ts';
import {
  decodeDegradationNet, degradationNetLogits, degradationNetScore, degradationNetShapes, encodeDegradationNet, NET_PATCH, NET_PATCH_SMALL, netPatchCorners, type DegradationNet,
} from '../../models/runtime/degradation-net.ts';
import type { RgbaImage } from '../../models/runtime/index.ts';
import { Rng } from '../../trainer/src/data/index.ts';
import { stackPatches, trainEstimateNet } from '../../trainer/src/estimate/estimate-net.ts';
import { initDiscriminatorWeights } from '../../trainer/src/loop/stages/discriminator.ts';
import { texture } from '../helpers/textures.ts';
import { runGraph, uniformValues } from '../trainer/tsd/run-graph.ts';

const CONFIG: PatchDiscriminatorConfig = { widths: [8, 16, 32], negativeSlope: 0.2 };

function randomNet(config: PatchDiscriminatorConfig, seed: number): DegradationNet {
  const weights = initDiscriminatorWeights(config, new Rng(seed));
  // non-zero biases, so a forward pass that dropped them would fail
  for (const [key, t] of weights) if (key.endsWith('.bias')) t.data.set(uniformValues(t.data.length, seed + key.length).map((v) => 0.1 * v));
  return { widths: config.widths, negativeSlope: config.negativeSlope, weights };
}

describe('degradation net forward pass', () => {
  it('gives the patch discriminator graph\'s logits (onnxruntime-node) to float32 rounding', async () => {
    const net = randomNet(CONFIG, 3);
    const size = NET_PATCH;
    const patch = Float32Array.from(uniformValues(3 * size * size, 17), (v) => 0.5 + 0.5 * v);
    const g = new Graph('net');
    const logits = patchDiscriminator(g, new MapWeightSource(net.weights), CONFIG, g.input('x', 'float32', [1, 3, size, size]));
    g.output(logits, 'logits');
    const reference = (await runGraph(g, { x: { dims: [1, 3, size, size], data: patch } })).logits!;
    const ours = degradationNetLogits(net, patch, size);
    expect(ours.length).toBe(reference.length);
    expect(ours.length).toBe((size / 4) ** 2);
    // three convolutions of ≤ 288 float32 terms each: differences of a few 1e-6 relative are rounding order
    const scale = Math.max(...reference.map(Math.abs));
    ours.forEach((v, i) => expect(Math.abs(v - reference[i]!)).toBeLessThan(1e-5 * scale + 1e-6));
  });

  it('stores its weights in the discriminator\'s key order and reads back what it wrote', () => {
    expect(degradationNetShapes(CONFIG.widths)).toEqual([...patchDiscriminatorWeightShapes(CONFIG)]);
    const net = randomNet(CONFIG, 4);
    const back = decodeDegradationNet(CONFIG.widths, CONFIG.negativeSlope, encodeDegradationNet(net));
    for (const [key, t] of net.weights) expect(back.weights.get(key)!.data).toEqual(t.data);
    expect(() => decodeDegradationNet([8, 16], 0.2, encodeDegradationNet(net))).toThrow(/left over/);
    expect(() => decodeDegradationNet([8, 16, 64], 0.2, encodeDegradationNet(net))).toThrow(/end before/);
  });
});

describe('which patches the net reads', () => {
  it('takes only fully opaque grid cells, at most the cap, spread over the image', () => {
    const image = texture(5 * NET_PATCH, 2 * NET_PATCH, 1, 0.5);
    expect(netPatchCorners(image)).toHaveLength(10);
    // one transparent pixel rules out its cell, and only that one
    image.data[(NET_PATCH + 5) * image.width * 4 + (NET_PATCH + 5) * 4 + 3] = 200;
    const corners = netPatchCorners(image);
    expect(corners).toHaveLength(9);
    expect(corners).not.toContainEqual([NET_PATCH, NET_PATCH]);
    const few = netPatchCorners(image, 3);
    expect(few).toHaveLength(3);
    expect(new Set(few.map(([, y]) => y))).toEqual(new Set([0, NET_PATCH]));
  });

  it('falls back to 32² patches where no 48² one is opaque, and scores null without either', () => {
    const net = randomNet(CONFIG, 5);
    const narrow = texture(NET_PATCH - 1, 200, 2, 0.5);
    expect(degradationNetScore(net, narrow).patches).toBe(Math.floor(200 / NET_PATCH_SMALL));
    const small: RgbaImage = texture(NET_PATCH_SMALL - 1, 200, 2, 0.5);
    expect(degradationNetScore(net, small)).toEqual({ score: null, patches: 0 });
    const clear = texture(200, 200, 2, 0.5);
    for (let i = 3; i < clear.data.length; i += 4) clear.data[i] = 0;
    expect(degradationNetScore(net, clear).score).toBeNull();
  });
});

describe('training the net', () => {
  it('learns to tell clean textures from noisy ones, and the runtime pass agrees with the session', async () => {
    const size = 16;
    const tiny: PatchDiscriminatorConfig = { widths: [4, 8], negativeSlope: 0.2 };
    const rng = new Rng(9);
    const patches = [];
    for (let i = 0; i < 48; i++) {
      const t = texture(size, size, 100 + i, 0.3 + 0.4 * (i % 3) / 2);
      const x = new Float32Array(3 * size * size);
      for (let p = 0; p < size * size; p++) for (let c = 0; c < 3; c++) x[c * size * size + p] = t.data[p * 4 + c]! / 255;
      const label = i % 2;
      if (label) for (let k = 0; k < x.length; k++) x[k] = Math.min(1, Math.max(0, x[k]! + (12 / 255) * rng.normal()));
      patches.push({ x, label, image: i, variant: label ? 'noise' : 'clean' });
    }
    const train = stackPatches(size, patches.filter((p) => p.image % 8 >= 2));
    const held = stackPatches(size, patches.filter((p) => p.image % 8 < 2));
    const reports: number[] = [];
    const net = await trainEstimateNet(train, held, { config: tiny, steps: 150, batch: 8, lr: 1e-2, rng, every: 150, onProgress: (p) => reports.push(p.holdOutAccuracy) });
    expect(reports.at(-1)).toBe(1);
    // the runtime's forward pass on the trained weights separates the held-out patches the same way
    for (let k = 0; k < held.y.length; k++) {
      const logits = degradationNetLogits(net, held.x.subarray(k * 3 * size * size, (k + 1) * 3 * size * size), size);
      const mean = logits.reduce((a, b) => a + b, 0) / logits.length;
      expect(mean >= 0 ? 1 : 0).toBe(held.y[k]);
    }
  }, 60_000);
});
