/** JointTransformerBlock: AdaLN-Zero modulated joint attention over image and context tokens, then per-stream MLPs. */
import {
  add, concat, geluTanh, mul, reshape, scaledDotProductAttention, silu, split, transpose, unsqueeze, type Value,
} from '../../graph/index.ts';
import { layerNormPlain, linear } from '../internal/layers.ts';
import type { Params } from '../internal/params.ts';

/** LayerNorm epsilon of the transformer's norms. */
const EPS = 1e-6;

/** The conditioning vector projected by `<key>.linear` after SiLU and split into `parts` chunks of [N, 1, D]. */
function modulation(p: Params, key: string, temb: Value, parts: number): Value[] {
  const { g } = p;
  const emb = linear(p, `${key}.linear`, silu(g, temb));
  const width = emb.shape[1] as number;
  return split(g, emb, Array<number>(parts).fill(width / parts), 1).map((v) => unsqueeze(g, v, [1]));
}

/** LayerNorm(x) · (1 + scale) + shift. */
function modulate(p: Params, x: Value, shift: Value, scale: Value): Value {
  const { g } = p;
  return add(g, mul(g, layerNormPlain(g, x, EPS), add(g, scale, 1)), shift);
}

/** AdaLayerNormContinuous: chunks (scale, shift) — scale first — from the conditioning vector. */
export function adaNormContinuous(p: Params, key: string, x: Value, temb: Value): Value {
  const [scale, shift] = modulation(p, key, temb, 2) as [Value, Value];
  return modulate(p, x, shift, scale);
}

/** FeedForward with GELU-tanh: net.0.proj → GELU → net.2. */
function feedForward(p: Params, key: string, x: Value): Value {
  return linear(p, `${key}.net.2`, geluTanh(p.g, linear(p, `${key}.net.0.proj`, x)));
}

/** [N, L, heads·d] → [N, heads, L, d]. */
function toHeads(p: Params, x: Value, heads: number): Value {
  return transpose(p.g, reshape(p.g, x, [0, 0, heads, -1]), [0, 2, 1, 3]);
}

/**
 * Joint attention: image and context keys/values concatenated along the sequence. Queries of each
 * stream attend separately (the same result as one attention over the concatenated queries, split
 * afterwards), so no token count needs to be static and a context-pre-only block skips its context queries.
 */
function jointAttention(p: Params, key: string, x: Value, context: Value, heads: number, contextOut: boolean): [Value, Value | null] {
  const { g } = p;
  const project = (names: string[], input: Value): Value[] => names.map((n) => linear(p, `${key}.${n}`, input));
  const [q, k, v] = project(['to_q', 'to_k', 'to_v'], x) as [Value, Value, Value];
  const [ck, cv] = project(['add_k_proj', 'add_v_proj'], context) as [Value, Value];
  const keys = toHeads(p, concat(g, [k, ck], 1), heads);
  const values = toHeads(p, concat(g, [v, cv], 1), heads);
  const attend = (query: Value): Value =>
    reshape(g, transpose(g, scaledDotProductAttention(g, toHeads(p, query, heads), keys, values), [0, 2, 1, 3]), [0, 0, -1]);
  const xOut = linear(p, `${key}.to_out.0`, attend(q));
  if (!contextOut) return [xOut, null];
  return [xOut, linear(p, `${key}.to_add_out`, attend(linear(p, `${key}.add_q_proj`, context)))];
}

/** One JointTransformerBlock; the last (context_pre_only) block returns no context. */
export function jointTransformerBlock(p: Params, key: string, x: Value, context: Value, temb: Value, heads: number, contextPreOnly: boolean): [Value, Value | null] {
  const { g } = p;
  const [shift, scale, gate, shiftMlp, scaleMlp, gateMlp] = modulation(p, `${key}.norm1`, temb, 6) as Value[] as [Value, Value, Value, Value, Value, Value];
  const normX = modulate(p, x, shift, scale);
  const c = contextPreOnly ? null : (modulation(p, `${key}.norm1_context`, temb, 6) as [Value, Value, Value, Value, Value, Value]);
  const normC = c ? modulate(p, context, c[0], c[1]) : adaNormContinuous(p, `${key}.norm1_context`, context, temb);
  const [attnX, attnC] = jointAttention(p, `${key}.attn`, normX, normC, heads, !contextPreOnly);
  let h = add(g, x, mul(g, gate, attnX));
  h = add(g, h, mul(g, gateMlp, feedForward(p, `${key}.ff`, modulate(p, h, shiftMlp, scaleMlp))));
  if (!c || !attnC) return [h, null];
  let ctx = add(g, context, mul(g, c[2], attnC));
  ctx = add(g, ctx, mul(g, c[5], feedForward(p, `${key}.ff_context`, modulate(p, ctx, c[3], c[4]))));
  return [h, ctx];
}
