/** Normalisation layers. */
import { isFloat } from '../dtype.ts';
import type { Graph } from '../graph.ts';
import { broadcastShapes, check, formatShape, normalizeAxis } from '../shape.ts';
import { attr, intAttr, type Value } from '../value.ts';
import { inputAt, sameDType } from './operands.ts';

/** Options of `layerNormalization`: normalise over dims axis.. (default the last), with epsilon. */
export interface LayerNormOptions {
  axis?: number;
  epsilon?: number;
}

/** (x - mean) / sqrt(var + epsilon) * scale + bias over the trailing dims from `axis` (opset 17). */
export function layerNormalization(g: Graph, x: Value, scale: Value, bias?: Value, options: LayerNormOptions = {}): Value {
  const attributes = { axis: attr.int(options.axis ?? -1), epsilon: attr.float(options.epsilon ?? 1e-5) };
  return g.op('LayerNormalization', bias ? [x, scale, bias] : [x, scale], attributes, (inputs, at) => {
    const xv = inputAt(inputs, 0);
    const dtype = sameDType('LayerNormalization', inputs);
    check(isFloat(dtype), 'LayerNormalization', `needs float inputs, got ${dtype}`);
    const a = normalizeAxis('LayerNormalization', intAttr(at, 'axis', -1), xv.shape.length);
    const normalized = xv.shape.slice(a);
    for (const p of inputs.slice(1)) {
      const fits = broadcastShapes('LayerNormalization', [normalized, p.shape]).length === normalized.length;
      check(fits, 'LayerNormalization', `${p.name} ${formatShape(p.shape)} does not broadcast to the normalised dims ${formatShape(normalized)}`);
    }
    return [{ dtype, shape: xv.shape }];
  });
}
