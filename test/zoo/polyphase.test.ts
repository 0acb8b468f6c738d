// The polyphase baselines compute exactly what ONNX Resize computes, on odd sizes and batches.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Graph, resize, serializeModel } from '../../models/graph/index.ts';
import { buildResampler } from '../../models/nets/baselines.ts';

function resizeGraph(mode: 'bicubic' | 'nearest', scale: number): Uint8Array {
  const g = new Graph('reference');
  const image = g.input('image', 'float32', ['N', 3, 'H', 'W']);
  const options =
    mode === 'bicubic'
      ? ({ mode: 'cubic', cubicCoeffA: -0.5, coordinateTransformationMode: 'half_pixel', excludeOutside: 0 } as const)
      : ({ mode: 'nearest', coordinateTransformationMode: 'asymmetric', nearestMode: 'floor' } as const);
  g.output(resize(g, image, { ...options, scales: [1, 1, scale, scale] }), 'upscaled');
  return serializeModel(g);
}

async function run(bytes: Uint8Array, input: Float32Array, dims: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ image: new ort.Tensor('float32', input, dims) });
  await session.release();
  return out.upscaled!.data as Float32Array;
}

describe('polyphase resamplers', () => {
  for (const mode of ['bicubic', 'nearest'] as const) {
    for (const scale of [2, 3, 4]) {
      it(`${mode} ×${scale} equals ONNX Resize within 2e-6`, async () => {
        const dims = [2, 3, 7, 11];
        const input = Float32Array.from({ length: 2 * 3 * 7 * 11 }, (_, i) => ((i * 7919) % 257) / 256);
        const ours = await run(buildResampler(mode, scale), input, dims);
        const reference = await run(resizeGraph(mode, scale), input, dims);
        expect(ours.length).toBe(reference.length);
        let max = 0;
        for (let i = 0; i < ours.length; i++) max = Math.max(max, Math.abs(ours[i]! - reference[i]!));
        expect(max).toBeLessThan(2e-6); // float32 sums of up to 16 products of values ≤ 1
      });
    }
  }
});
