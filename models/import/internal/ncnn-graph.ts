/**
 * An ncnn network (parsed `.param`, `.bin` bytes) as an ONNX graph `image` [N, 3, H, W] → `upscaled`
 * [N, 3, sH, sW], in [0, 1] like Upscayl feeds its models. The image is first mirrored outwards by up to 10
 * pixels (Upscayl's and Real-ESRGAN's pre-padding) and the border cut off the result again, so image edges
 * look as they do in Upscayl rather than fading into the convolutions' zero padding.
 */
import { attr, concat, evaluateShape, gather, Graph, int64s, min, mul, add, shapeOf, sliceDynamic, sub, dimMul, type Value } from '../../graph/index.ts';
import { ImportError } from '../errors.ts';
import { NCNN_LAYER_RULES, type NcnnContext, type NcnnLayerRule } from './ncnn-layers.ts';
import type { NcnnLayer, NcnnParam } from './ncnn-param.ts';
import { NcnnWeightReader } from './ncnn-weights.ts';

/** Pixels mirrored around the image before the network runs (fewer on images smaller than that). */
export const NCNN_PREPADDING = 10;

/** A converted network. */
export interface NcnnGraph {
  graph: Graph;
  /** Output pixels per input pixel, read from the network's shapes. */
  scale: number;
  /** How many weight buffers were stored as float16 and as float32. */
  storage: NcnnContext['storage'];
  layerTypes: string[];
}

/** Mirrors `x` by min(NCNN_PREPADDING, size − 1) pixels on each side; returns the padded image and the pad [h, w] (int64). */
function mirrorPad(g: Graph, x: Value): { padded: Value; amount: Value } {
  const size = gather(g, shapeOf(g, x), [2, 3]);
  const amount = min(g, sub(g, size, g.constant(int64s([1, 1]), 'one')), g.constant(int64s([NCNN_PREPADDING, NCNN_PREPADDING]), 'prepadding'));
  const zeros = g.constant(int64s([0, 0]), 'zero_pads');
  const pads = concat(g, [zeros, amount, zeros, amount], 0);
  const padded = g.op('Pad', [x, pads], { mode: attr.string('reflect') }, (ins) => [{ dtype: ins[0]!.dtype, shape: [ins[0]!.shape[0]!, ins[0]!.shape[1]!, 'PH', 'PW'] }]);
  return { padded, amount };
}

/** One layer's rule; a shape the graph builder rejects (weights that do not fit the blobs) is refused naming the layer. */
function applyRule(rule: NcnnLayerRule, layer: NcnnLayer, values: Value[], ctx: NcnnContext, file: string): Value[] {
  try {
    return rule(layer, values, ctx);
  } catch (error) {
    if (error instanceof ImportError) throw error;
    throw new ImportError(`${file}:${layer.line}: ${layer.type} ${layer.name} cannot be converted: ${(error as Error).message}`);
  }
}

/** Runs the layers in file order on `input`; returns the one blob no layer consumes. */
function runLayers(param: NcnnParam, input: Value, ctx: NcnnContext, file: string): Value {
  const blobs = new Map<string, Value>();
  const consumed = new Set<string>();
  let inputs = 0;
  for (const layer of param.layers) {
    let outputs: Value[];
    if (layer.type === 'Input') {
      if (++inputs > 1) throw new ImportError(`${file}: more than one Input layer; only single-image networks can be imported`);
      const channels = layer.params.get(2);
      if (channels !== undefined && channels !== 3) throw new ImportError(`${file}:${layer.line}: the Input takes ${String(channels)} channels; only RGB networks (3) can be imported`);
      outputs = [input];
    } else {
      const rule = NCNN_LAYER_RULES[layer.type];
      if (!rule) throw new ImportError(`${file}:${layer.line}: layer type ${layer.type} (${layer.name}) is not supported; supported: Input, ${Object.keys(NCNN_LAYER_RULES).join(', ')}`);
      const values = layer.inputs.map((name) => {
        const value = blobs.get(name);
        if (!value) throw new ImportError(`${file}:${layer.line}: ${layer.name} reads blob ${name}, which no earlier layer writes`);
        consumed.add(name);
        return value;
      });
      outputs = applyRule(rule, layer, values, ctx, file);
    }
    layer.outputs.forEach((name, i) => blobs.set(name, outputs[i]!));
  }
  const finals = [...blobs.keys()].filter((name) => !consumed.has(name));
  if (inputs !== 1) throw new ImportError(`${file}: no Input layer`);
  if (finals.length !== 1) throw new ImportError(`${file}: expected one output blob, found ${finals.length} (${finals.join(', ')})`);
  return blobs.get(finals[0]!)!;
}

/** The scale the network's output shape states, checked to be the same integer on two sizes. */
function scaleOf(output: Value, file: string): number {
  const scales = [48, 64].map((size) => {
    const [, channels, h, w] = evaluateShape(output.shape, { N: 1, PH: size, PW: size });
    if (channels !== 3) throw new ImportError(`${file}: the network returns ${channels} channels, not RGB`);
    return { h: h! / size, w: w! / size };
  });
  const s = scales[0]!.h;
  if (!Number.isInteger(s) || s < 1 || scales.some((x) => x.h !== s || x.w !== s)) throw new ImportError(`${file}: the output is not an integer multiple of the input size`);
  return s;
}

/** Converts a parsed network and its weights; `files` name them in errors. */
export function ncnnToGraph(param: NcnnParam, bin: Uint8Array, files: { param: string; bin: string }, name: string): NcnnGraph {
  const g = new Graph(name);
  const image = g.input('image', 'float32', ['N', 3, 'H', 'W']);
  const { padded, amount } = mirrorPad(g, image);
  const ctx: NcnnContext = { g, weights: new NcnnWeightReader(bin, files.bin), storage: { float16: 0, float32: 0 } };
  const result = runLayers(param, padded, ctx, files.param);
  if (ctx.weights.remaining !== 0) throw new ImportError(`${files.bin}: ${ctx.weights.remaining} bytes are left after the last layer's weights; the .bin does not match the .param`);
  const scale = scaleOf(result, files.param);
  const begin = mul(g, amount, g.constant(int64s([scale, scale]), 'scale'));
  const end = add(g, begin, mul(g, gather(g, shapeOf(g, image), [2, 3]), g.constant(int64s([scale, scale]), 'scale')));
  g.output(sliceDynamic(g, result, begin, end, [2, 3], [dimMul('H', scale), dimMul('W', scale)]), 'upscaled');
  return { graph: g, scale, storage: ctx.storage, layerTypes: [...new Set(param.layers.map((l) => l.type))] };
}
