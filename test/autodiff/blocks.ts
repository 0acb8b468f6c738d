// Three test networks built from graph ops, shared by the chain checks, check:torch and the train-step bench:
// a ResNet block (GroupNorm, SiLU, Conv), a pre-norm attention block and a LayerNorm MLP. Each ends in a scalar loss.
import * as G from '../../models/graph/index.ts';

/** A named tensor slot of a block: its input data `x` or a parameter. */
export interface Slot {
  name: string;
  shape: number[];
  /** Initial values are uniform in ±scale. */
  scale: number;
}

/** A block: its input and parameter slots (input first) and the forward pass to a scalar loss (mean of squares). */
export interface Block {
  name: string;
  slots: Slot[];
  forward: (g: G.Graph, v: Record<string, G.Value>) => { out: G.Value; loss: G.Value };
}

const meanSquare = (g: G.Graph, out: G.Value): G.Value => G.reduceMean(g, G.mul(g, out, out), { keepdims: false });
const param = (name: string, shape: number[], fanIn: number): Slot => ({ name, shape, scale: 1 / Math.sqrt(fanIn) });
const affine = (name: string, size: number): Slot[] => [
  { name: `${name}.weight`, shape: [size], scale: 0.5 }, // scales around 1 are made by adding 1 in the forward pass
  { name: `${name}.bias`, shape: [size], scale: 0.1 },
];

/** x + conv(silu(gn(conv(silu(gn(x)))))), 3x3 convs with padding 1. */
export function resnetBlock(n: number, c: number, h: number, w: number, groups: number): Block {
  return {
    name: 'resnet',
    slots: [
      { name: 'x', shape: [n, c, h, w], scale: 1 },
      ...affine('norm1', c), param('conv1.weight', [c, c, 3, 3], 9 * c), param('conv1.bias', [c], 9 * c),
      ...affine('norm2', c), param('conv2.weight', [c, c, 3, 3], 9 * c), param('conv2.bias', [c], 9 * c),
    ],
    forward: (g, v) => {
      const stage = (x: G.Value, i: number): G.Value => {
        const normed = G.groupNormalization(g, x, G.add(g, v[`norm${i}.weight`]!, 1), v[`norm${i}.bias`]!, groups, { epsilon: 1e-5 });
        return G.conv(g, G.silu(g, normed), v[`conv${i}.weight`]!, v[`conv${i}.bias`]!, { pads: [1, 1, 1, 1] });
      };
      const out = G.add(g, v.x!, stage(stage(v.x!, 1), 2));
      return { out, loss: meanSquare(g, out) };
    },
  };
}

/** x + Wo·attention(LN(x)) with `heads` heads over [batch, tokens, width]. */
export function attentionBlock(batch: number, tokens: number, width: number, heads: number): Block {
  const linear = (name: string): Slot[] => [param(`${name}.weight`, [width, width], width), param(`${name}.bias`, [width], width)];
  return {
    name: 'attention',
    slots: [{ name: 'x', shape: [batch, tokens, width], scale: 1 }, ...affine('norm', width), ...['q', 'k', 'v', 'out'].flatMap(linear)],
    forward: (g, v) => {
      const normed = G.layerNormalization(g, v.x!, G.add(g, v['norm.weight']!, 1), v['norm.bias']!);
      const project = (name: string, x: G.Value): G.Value => G.add(g, G.matmul(g, x, v[`${name}.weight`]!), v[`${name}.bias`]!);
      const split = (x: G.Value): G.Value => G.transpose(g, G.reshape(g, x, [batch, tokens, heads, width / heads]), [0, 2, 1, 3]);
      const [q, k, val] = ['q', 'k', 'v'].map((name) => split(project(name, normed))) as [G.Value, G.Value, G.Value];
      const attended = G.scaledDotProductAttention(g, q, k, val);
      const merged = G.reshape(g, G.transpose(g, attended, [0, 2, 1, 3]), [batch, tokens, width]);
      const out = G.add(g, v.x!, project('out', merged));
      return { out, loss: meanSquare(g, out) };
    },
  };
}

/** x + W2·gelu(W1·LN(x) + b1) + b2 over [batch, width], GELU exact (erf) or tanh-approximated. */
export function layerNormMlp(batch: number, width: number, hidden: number, gelu: 'erf' | 'tanh'): Block {
  return {
    name: `mlp-${gelu}`,
    slots: [
      { name: 'x', shape: [batch, width], scale: 1 }, ...affine('norm', width),
      param('fc1.weight', [width, hidden], width), param('fc1.bias', [hidden], width),
      param('fc2.weight', [hidden, width], hidden), param('fc2.bias', [width], hidden),
    ],
    forward: (g, v) => {
      const normed = G.layerNormalization(g, v.x!, G.add(g, v['norm.weight']!, 1), v['norm.bias']!);
      const hiddenPre = G.add(g, G.matmul(g, normed, v['fc1.weight']!), v['fc1.bias']!);
      const activated = gelu === 'erf' ? G.geluErf(g, hiddenPre) : G.geluTanh(g, hiddenPre);
      const out = G.add(g, v.x!, G.add(g, G.matmul(g, activated, v['fc2.weight']!), v['fc2.bias']!));
      return { out, loss: meanSquare(g, out) };
    },
  };
}

/** Deterministic initial values for every slot of a block. */
export function initialValues(block: Block, seed = 5): Record<string, number[]> {
  let s = seed >>> 0;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
  return Object.fromEntries(block.slots.map((slot) => [slot.name, Array.from({ length: slot.shape.reduce((p, d) => p * d, 1) }, () => next() * slot.scale)]));
}
