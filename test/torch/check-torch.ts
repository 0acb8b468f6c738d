// npm run check:torch — builds the ResNet, attention and LayerNorm-MLP blocks in the graph builder and in PyTorch
// with identical weights, and compares outputs, losses and every gradient (relative error ≤ 1e-4 in float32).
// Opt-in: needs Debian's python3-torch (`apt-get install -y python3-torch`), run with /usr/bin/python3.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as G from '../../models/graph/index.ts';
import { attentionBlock, initialValues, layerNormMlp, resnetBlock, type Block } from '../autodiff/blocks.ts';

const PYTHON = '/usr/bin/python3';
const TOLERANCE = 1e-4;

interface Case { kind: 'resnet' | 'attention' | 'mlp'; config: Record<string, number | string>; block: Block }

const cases: Case[] = [
  { kind: 'resnet', config: { groups: 4 }, block: resnetBlock(2, 8, 8, 8, 4) },
  { kind: 'attention', config: { batch: 2, tokens: 16, width: 32, heads: 4 }, block: attentionBlock(2, 16, 32, 4) },
  { kind: 'mlp', config: { gelu: 'erf' }, block: layerNormMlp(4, 16, 64, 'erf') },
];

interface Result { out: number[]; loss: number; grads: Record<string, number[]> }

/** Runs a block's forward and backward with onnxruntime. */
async function runOurs(block: Block, values: Record<string, number[]>): Promise<Result> {
  const g = new G.Graph(block.name);
  const inputs = Object.fromEntries(block.slots.map((s) => [s.name, g.input(s.name, 'float32', s.shape)]));
  const { out, loss } = block.forward(g, inputs);
  const grads = G.gradients(g, loss, block.slots.map((s) => inputs[s.name]!));
  g.output(out, 'out');
  g.output(loss, 'loss');
  grads.forEach((d, i) => g.output(d, `grad:${block.slots[i]!.name}`));
  const session = await ort.InferenceSession.create(G.serializeModel(g));
  const feeds = Object.fromEntries(block.slots.map((s) => [s.name, new ort.Tensor('float32', Float32Array.from(values[s.name]!), s.shape)]));
  const r = await session.run(feeds);
  const read = (name: string): number[] => Array.from(r[name]!.data as Float32Array);
  return { out: read('out'), loss: read('loss')[0]!, grads: Object.fromEntries(block.slots.map((s) => [s.name, read(`grad:${s.name}`)])) };
}

/** Below this magnitude a reference is rounding noise around an exact zero (e.g. d/d key bias: softmax ignores it). */
const ZERO = 1e-6;

/** max |a - b| / max |b|, or the absolute error (kind 'abs') when the reference is zero up to rounding. */
function compare(a: readonly number[], b: readonly number[]): { error: number; kind: 'rel' | 'abs' } {
  let [diff, scale] = [0, 0];
  b.forEach((x, i) => { diff = Math.max(diff, Math.abs(a[i]! - x)); scale = Math.max(scale, Math.abs(x)); });
  return scale < ZERO ? { error: diff, kind: 'abs' } : { error: diff / scale, kind: 'rel' };
}

async function main(): Promise<void> {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
  } catch {
    console.error('check:torch needs PyTorch for /usr/bin/python3: apt-get install -y python3-torch');
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), 'tsdsr-torch-'));
  const values = cases.map((c) => initialValues(c.block));
  const payload = cases.map((c, i) => ({
    kind: c.kind, config: c.config,
    slots: Object.fromEntries(c.block.slots.map((s) => [s.name, { shape: s.shape, data: values[i]![s.name] }])),
  }));
  writeFileSync(join(dir, 'in.json'), JSON.stringify(payload));
  execFileSync(PYTHON, [join(import.meta.dirname, 'blocks.py'), join(dir, 'in.json'), join(dir, 'out.json')], { stdio: 'inherit' });
  const theirs = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Result[];
  rmSync(dir, { recursive: true });
  const rows: { block: string; tensor: string; elements: number; error: string; kind: string; ok: boolean }[] = [];
  for (const [i, c] of cases.entries()) {
    const ours = await runOurs(c.block, values[i]!);
    const ref = theirs[i]!;
    const add = (tensor: string, a: number[], b: number[]): void => {
      const { error, kind } = compare(a, b);
      rows.push({ block: c.block.name, tensor, elements: a.length, error: error.toExponential(2), kind, ok: error <= (kind === 'rel' ? TOLERANCE : ZERO) });
    };
    add('output', ours.out, ref.out);
    add('loss', [ours.loss], [ref.loss]);
    for (const s of c.block.slots) add(`d/d ${s.name}`, ours.grads[s.name]!, ref.grads[s.name]!);
  }
  console.table(rows);
  const failed = rows.filter((r) => !r.ok);
  console.log(failed.length === 0 ? `all ${rows.length} comparisons within ${TOLERANCE}` : `${failed.length} comparisons above ${TOLERANCE}`);
  process.exit(failed.length === 0 ? 0 : 1);
}

await main();
