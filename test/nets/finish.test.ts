import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { serializeModel } from '../../models/graph/serialize.ts';
import { waveletFinishGraph } from '../../models/nets/finish.ts';
import { ColorFixer } from '../../models/runtime/color-fix.ts';

/** Seeded values in [lo, hi) with some outside the range, so the clamp matters. */
function values(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31) * 2.4 - 1.2;
  });
}

describe('finish graph (clamp + wavelet colour fix in ONNX Runtime)', () => {
  it('matches the runtime\'s JS clamp and wavelet fix within 1e-6, tiles smaller than the blur dilation included', async () => {
    const session = await ort.InferenceSession.create(serializeModel(waveletFinishGraph([-1, 1])));
    const fixer = new ColorFixer('wavelet');
    for (const [n, h, w] of [[2, 40, 56], [1, 7, 5]] as const) {
      const size = 3 * h * w;
      const [image, reference] = [values(n * size, 7 + h), values(n * size, 11 + w)];
      const dims = [n, 3, h, w];
      const out = (await session.run({ image: new ort.Tensor('float32', image, dims), reference: new ort.Tensor('float32', reference, dims) })).fixed!.data as Float32Array;
      let max = 0;
      for (let t = 0; t < n; t++) {
        const unit = (v: Float32Array) => v.slice(t * size, (t + 1) * size).map((x) => (Math.min(1, Math.max(-1, x)) + 1) / 2);
        const content = unit(image);
        fixer.fixInPlace({ data: content, channels: 3, height: h, width: w }, { data: unit(reference), channels: 3, height: h, width: w });
        for (let k = 0; k < size; k++) max = Math.max(max, Math.abs(content[k]! - out[t * size + k]!));
      }
      expect(max).toBeLessThan(1e-6);
    }
  });
});
