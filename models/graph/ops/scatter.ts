/** Writing into tensors: ScatterND (with additive reduction) and ConstantOfShape. */
import type { DType } from '../dtype.ts';
import type { Graph } from '../graph.ts';
import { check, formatShape } from '../shape.ts';
import { tensorFrom } from '../tensor.ts';
import { attr, type Dim, type Value } from '../value.ts';
import { inputAt } from './operands.ts';

/** Copies data and writes (or with `add`, accumulates) updates at the given index tuples. */
export function scatterND(g: Graph, data: Value, indices: Value, updates: Value, reduction: 'none' | 'add' = 'none'): Value {
  return g.op('ScatterND', [data, indices, updates], { reduction: attr.string(reduction) }, (inputs) => {
    const [d, i] = [inputAt(inputs, 0), inputAt(inputs, 1)];
    check(i.dtype === 'int64', 'ScatterND', `indices must be int64, got ${i.dtype}`);
    check(i.shape.length >= 1, 'ScatterND', `indices ${formatShape(i.shape)} need rank >= 1`);
    return [{ dtype: d.dtype, shape: d.shape }];
  });
}

/** A tensor of the runtime shape held by `shape` (1-D int64) filled with one value; `dims` names the shape when known. */
export function constantOfShape(g: Graph, shape: Value, dtype: DType, value: number, dims?: readonly Dim[]): Value {
  return g.op('ConstantOfShape', [shape], { value: attr.tensor(tensorFrom(dtype, [1], [value])) }, (inputs) => {
    const s = inputAt(inputs, 0);
    check(s.dtype === 'int64' && s.shape.length === 1 && typeof s.shape[0] === 'number', 'ConstantOfShape', 'shape must be a 1-D int64 tensor of static length');
    const measured = s.producer?.opType === 'Shape' ? s.producer.inputs[0]?.shape : undefined;
    const out = dims ?? measured ?? Array.from({ length: s.shape[0] as number }, (_, k) => `${s.name}[${k}]`);
    return [{ dtype, shape: out }];
  });
}
