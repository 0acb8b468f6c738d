/** Resize: nearest / linear / cubic interpolation with ONNX's coordinate modes. */
import type { Graph } from '../graph.ts';
import { check, dimFloorDiv, dimMul } from '../shape.ts';
import { float32s, int64s } from '../tensor.ts';
import { attr, type Attributes, type Dim, type Value } from '../value.ts';
import { constantNumbers, inputAt, needFloat } from './operands.ts';

/** How output pixel coordinates map back into the input. */
export type CoordinateTransformationMode =
  | 'half_pixel' | 'half_pixel_symmetric' | 'pytorch_half_pixel' | 'align_corners' | 'asymmetric' | 'tf_crop_and_resize';

/** How a fractional source coordinate picks a pixel in nearest mode. */
export type NearestMode = 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil';

/** Options of `resize`: exactly one of `scales` (per axis) or `sizes` (per axis). */
export interface ResizeOptions {
  mode: 'nearest' | 'linear' | 'cubic';
  scales?: readonly number[];
  sizes?: readonly number[];
  coordinateTransformationMode?: CoordinateTransformationMode;
  /** Keys' cubic coefficient; ONNX defaults to -0.75, PyTorch/PIL bicubic uses -0.5. */
  cubicCoeffA?: number;
  nearestMode?: NearestMode;
  /** 1: weights of taps outside the input are dropped and the rest renormalised. */
  excludeOutside?: 0 | 1;
  extrapolationValue?: number;
  antialias?: 0 | 1;
}

function scaledDim(d: Dim, scale: number): Dim {
  if (Number.isInteger(scale)) return dimMul(d, scale);
  if (typeof d === 'number') return Math.floor(d * scale);
  const inverse = 1 / scale;
  return Number.isInteger(inverse) ? dimFloorDiv(d, inverse) : `floor(${d}*${scale})`;
}

/** Resizes a float tensor by per-axis scales or to fixed sizes (opset 19 Resize). */
export function resize(g: Graph, x: Value, options: ResizeOptions): Value {
  const { mode, scales, sizes } = options;
  check((scales === undefined) !== (sizes === undefined), 'Resize', 'give exactly one of scales or sizes');
  const rank = x.shape.length;
  const perAxis = (scales ?? sizes) as readonly number[];
  check(perAxis.length === rank, 'Resize', `${scales ? 'scales' : 'sizes'} has ${perAxis.length} entries for rank-${rank} input`);
  check(perAxis.every((v) => Number.isFinite(v) && v > 0), 'Resize', `${scales ? 'scales' : 'sizes'} must be positive`);
  if (sizes) check(sizes.every(Number.isInteger), 'Resize', 'sizes must be integers');
  const attributes: Record<string, Attributes[string]> = {
    mode: attr.string(mode),
    coordinate_transformation_mode: attr.string(options.coordinateTransformationMode ?? 'half_pixel'),
    exclude_outside: attr.int(options.excludeOutside ?? 0),
  };
  if (mode === 'cubic') attributes.cubic_coeff_a = attr.float(options.cubicCoeffA ?? -0.75);
  if (mode === 'nearest') attributes.nearest_mode = attr.string(options.nearestMode ?? 'round_prefer_floor');
  if (options.extrapolationValue !== undefined) attributes.extrapolation_value = attr.float(options.extrapolationValue);
  if (options.antialias) attributes.antialias = attr.int(1);
  const roi = g.constant(float32s([]), 'roi');
  const inputs = scales
    ? [x, roi, g.constant(float32s(scales), 'scales')]
    : [x, roi, g.constant(float32s([]), 'scales'), g.constant(int64s(sizes as readonly number[]), 'sizes')];
  return g.op('Resize', inputs, attributes, (ins) => {
    const input = inputAt(ins, 0);
    needFloat('Resize', input);
    const givenScales = constantNumbers('Resize', ins[2], 'scales') ?? [];
    const givenSizes = constantNumbers('Resize', ins[3], 'sizes');
    const shape = givenSizes ?? input.shape.map((d, i) => scaledDim(d, givenScales[i] as number));
    return [{ dtype: input.dtype, shape }];
  });
}
