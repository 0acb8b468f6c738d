// npm run bench:train-step — time per training step (forward + backward + AdamW, one session run) of a
// 16-layer 64-channel 3x3 conv net on 4x3x128x128 and of a transformer block (1024 tokens, width 256),
// next to PyTorch (torch.set_num_threads(2)) when /usr/bin/python3 has torch, and next to the forward-only
// rate onnxruntime reaches on the same net. Writes bench/results/train-step.json; prints per-op profiler totals.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as G from '../models/graph/index.ts';
import { attentionBlock, initialValues, layerNormMlp, type Block, type Slot } from '../test/autodiff/blocks.ts';

const THREADS = 2;
const STEPS = Number(process.env.BENCH_STEPS ?? 3); // BENCH_ONLY=conv or =transformer runs one net

interface Net { name: string; slots: Slot[]; forward: (g: G.Graph, v: Record<string, G.Value>) => G.Value; torch: string }

function convNet(): Net {
  const widths = [3, ...Array<number>(15).fill(64), 3];
  const slots: Slot[] = [{ name: 'x', shape: [4, 3, 128, 128], scale: 1 }];
  for (let i = 0; i < 16; i++) {
    const fanIn = 9 * widths[i]!;
    slots.push({ name: `conv${i}.weight`, shape: [widths[i + 1]!, widths[i]!, 3, 3], scale: Math.sqrt(3 / fanIn) }, { name: `conv${i}.bias`, shape: [widths[i + 1]!], scale: 0.01 });
  }
  return {
    name: 'conv16x64', slots, torch: 'conv',
    forward: (g, v) => {
      let h = v.x!;
      for (let i = 0; i < 16; i++) {
        h = G.conv(g, h, v[`conv${i}.weight`]!, v[`conv${i}.bias`]!, { pads: [1, 1, 1, 1] });
        if (i < 15) h = G.relu(g, h);
      }
      const diff = G.sub(g, h, v.x!);
      return G.reduceMean(g, G.mul(g, diff, diff), { keepdims: false });
    },
  };
}

function transformer(): Net {
  const [attention, mlp] = [attentionBlock(1, 1024, 256, 4), layerNormMlp(1024, 256, 1024, 'tanh')];
  const rename = (b: Block, prefix: string): Slot[] => b.slots.filter((s) => s.name !== 'x').map((s) => ({ ...s, name: `${prefix}.${s.name}` }));
  const scoped = (v: Record<string, G.Value>, prefix: string, x: G.Value): Record<string, G.Value> =>
    ({ x, ...Object.fromEntries(Object.entries(v).filter(([k]) => k.startsWith(`${prefix}.`)).map(([k, val]) => [k.slice(prefix.length + 1), val])) });
  return {
    name: 'transformer1024x256', torch: 'transformer',
    slots: [{ name: 'x', shape: [1, 1024, 256], scale: 1 }, ...rename(attention, 'attn'), ...rename(mlp, 'mlp')],
    forward: (g, v) => {
      const attended = attention.forward(g, scoped(v, 'attn', v.x!)).out;
      const out = mlp.forward(g, scoped(v, 'mlp', G.reshape(g, attended, [1024, 256]))).out;
      return G.reduceMean(g, G.mul(g, out, out), { keepdims: false });
    },
  };
}

/** Multiply-add FLOPs (2 per MAC) of the Conv, MatMul and Gemm nodes of a forward graph. */
function forwardFlops(nodes: readonly G.Node[]): number {
  let total = 0;
  for (const n of nodes) {
    const out = n.outputs[0]!.shape as number[];
    const size = out.reduce((p, d) => p * d, 1);
    if (n.opType === 'Conv') total += 2 * size * (n.inputs[1]!.shape as number[]).slice(1).reduce((p, d) => p * d, 1);
    if (n.opType === 'MatMul' || n.opType === 'Gemm') total += 2 * size * (n.inputs[0]!.shape.at(-1) as number);
  }
  return total;
}

const options = (profile = false): ort.InferenceSession.SessionOptions => ({
  intraOpNumThreads: THREADS, interOpNumThreads: 1, graphOptimizationLevel: 'all',
  ...(profile ? { enableProfiling: true, profileFilePrefix: join('bench', 'results', 'train-step-profile') } : {}),
});

const tensorOf = (data: Float32Array, shape: readonly G.Dim[]): ort.Tensor => new ort.Tensor('float32', data, shape as number[]);

/** The forward-only graph and the whole training step graph of a net. */
function buildGraphs(net: Net): { forward: G.Graph; train: G.Graph; sig: G.TrainStepSignature; flops: number } {
  const forward = new G.Graph(`${net.name}-forward`);
  const fv = Object.fromEntries(net.slots.map((s) => [s.name, forward.input(s.name, 'float32', s.shape)]));
  forward.output(net.forward(forward, fv), 'loss');
  const train = new G.Graph(`${net.name}-train`);
  const tv = Object.fromEntries(net.slots.map((s) => [s.name, train.input(s.name, 'float32', s.shape)]));
  const loss = net.forward(train, tv);
  const sig = G.addTrainStep(train, loss, net.slots.filter((s) => s.name !== 'x').map((s) => tv[s.name]!), { weightDecay: 0.01 });
  return { forward, train, sig, flops: forwardFlops(forward.nodes) };
}

/** Median seconds of `run` over STEPS timed runs after one warm-up. */
async function median(run: () => Promise<void>): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const t0 = performance.now();
    await run();
    times.push((performance.now() - t0) / 1000);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

/** Times the training step (parameters and moments fed back each step) and the forward pass. */
async function timeOurs(net: Net): Promise<{ stepS: number; forwardS: number; flops: number; train: G.Graph }> {
  const { forward, train, sig, flops } = buildGraphs(net);
  const init = initialValues({ name: net.name, slots: net.slots, forward: () => { throw new Error('unused'); } });
  const data = Object.fromEntries(net.slots.map((s) => [s.name, Float32Array.from(init[s.name]!)]));
  const fwd = await ort.InferenceSession.create(G.serializeModel(forward), options());
  const feedsF = Object.fromEntries(net.slots.map((s) => [s.name, tensorOf(data[s.name]!, s.shape)]));
  const forwardS = await median(async () => { await fwd.run(feedsF); });
  await fwd.release();
  const session = await ort.InferenceSession.create(G.serializeModel(train), options());
  const state: Record<string, ort.Tensor> = { ...feedsF };
  for (const p of sig.parameters) {
    const shape = state[p.param]!.dims;
    state[p.m] = tensorOf(new Float32Array(state[p.param]!.size), shape);
    state[p.v] = tensorOf(new Float32Array(state[p.param]!.size), shape);
  }
  let step = 0;
  const stepS = await median(async () => {
    step++;
    const out = await session.run({ ...state, [sig.step]: tensorOf(Float32Array.of(step), []), [sig.learningRate]: tensorOf(Float32Array.of(1e-4), []) });
    for (const p of sig.parameters) [state[p.param], state[p.m], state[p.v]] = [out[p.newParam]!, out[p.newM]!, out[p.newV]!];
  });
  await session.release();
  return { stepS, forwardS, flops, train };
}

const TORCH_SCRIPT = String.raw`
import json, math, sys, time
import torch
import torch.nn.functional as F
torch.set_num_threads(${THREADS})
kind, steps = sys.argv[1], int(sys.argv[2])
torch.manual_seed(0)
if kind == 'conv':
    widths = [3] + [64] * 15 + [3]
    net = torch.nn.Sequential(*sum([[torch.nn.Conv2d(widths[i], widths[i + 1], 3, padding=1)] + ([torch.nn.ReLU()] if i < 15 else []) for i in range(16)], []))
    x = torch.randn(4, 3, 128, 128)
    loss_of = lambda: ((net(x) - x) ** 2).mean()
else:
    class Block(torch.nn.Module):
        def __init__(self, w=256, heads=4):
            super().__init__()
            self.heads = heads
            self.norm1, self.norm2 = torch.nn.LayerNorm(w), torch.nn.LayerNorm(w)
            self.q, self.k, self.v, self.o = (torch.nn.Linear(w, w) for _ in range(4))
            self.fc1, self.fc2 = torch.nn.Linear(w, 4 * w), torch.nn.Linear(4 * w, w)
        def forward(self, x):
            b, t, w = x.shape
            h = self.norm1(x)
            split = lambda y: y.reshape(b, t, self.heads, w // self.heads).transpose(1, 2)
            q, k, v = split(self.q(h)), split(self.k(h)), split(self.v(h))
            a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(w // self.heads), -1) @ v
            x = x + self.o(a.transpose(1, 2).reshape(b, t, w))
            return x + self.fc2(F.gelu(self.fc1(self.norm2(x)), approximate='tanh'))
    net = Block()
    x = torch.randn(1, 1024, 256)
    loss_of = lambda: (net(x) ** 2).mean()
opt = torch.optim.AdamW(net.parameters(), lr=1e-4, weight_decay=0.01)
def step():
    opt.zero_grad(set_to_none=True)
    loss_of().backward()
    opt.step()
step()
times = []
for _ in range(steps):
    t0 = time.perf_counter(); step(); times.append(time.perf_counter() - t0)
print(json.dumps({'stepS': sorted(times)[len(times) // 2]}))
`;

/** PyTorch's median step time, or null when /usr/bin/python3 has no torch. */
function timeTorch(kind: string): number | null {
  try {
    const out = execFileSync('/usr/bin/python3', ['-c', TORCH_SCRIPT, kind, String(STEPS)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    return (JSON.parse(out.trim().split('\n').at(-1)!) as { stepS: number }).stepS;
  } catch {
    return null;
  }
}

/** Runs one profiled training step and returns the top op types by total kernel time (ms). */
async function profileStep(train: G.Graph, net: Net): Promise<[string, number][]> {
  const session = await ort.InferenceSession.create(G.serializeModel(train), options(true));
  const init = initialValues({ name: net.name, slots: net.slots, forward: () => { throw new Error('unused'); } });
  const feeds: Record<string, ort.Tensor> = { step: tensorOf(Float32Array.of(1), []), learning_rate: tensorOf(Float32Array.of(1e-4), []) };
  for (const v of train.inputs) {
    if (v.name in feeds) continue;
    const size = (v.shape as number[]).reduce((p, d) => p * d, 1);
    feeds[v.name] = tensorOf(/\.[mv]$/.test(v.name) ? new Float32Array(size) : Float32Array.from(init[v.name]!), v.shape);
  }
  await session.run(feeds);
  session.endProfiling(); // writes <profileFilePrefix>_<date>.json
  await session.release();
  const dir = join('bench', 'results');
  const name = readdirSync(dir).filter((f) => f.startsWith('train-step-profile')).sort().at(-1);
  if (!name) return [];
  const file = join(dir, name);
  const events = JSON.parse(readFileSync(file, 'utf8')) as { cat: string; dur: number; args?: { op_name?: string } }[];
  rmSync(file);
  const totals = new Map<string, number>();
  for (const e of events) if (e.cat === 'Node' && e.args?.op_name) totals.set(e.args.op_name, (totals.get(e.args.op_name) ?? 0) + e.dur / 1000);
  return [...totals].sort((a, b) => b[1] - a[1]).slice(0, 8);
}

interface Row { net: string; oursStepMs: number; torchStepMs: number | null; oursOverTorch: number | null; stepGflops: number; forwardGflops: number; stepOverForwardRate: number }

async function main(): Promise<void> {
  const rows: Row[] = [];
  const profiles: Record<string, [string, number][]> = {};
  for (const net of [convNet(), transformer()].filter((n) => n.name.includes(process.env.BENCH_ONLY ?? ''))) {
    const ours = await timeOurs(net);
    const torchS = timeTorch(net.torch);
    const [stepRate, forwardRate] = [(3 * ours.flops) / ours.stepS / 1e9, ours.flops / ours.forwardS / 1e9]; // a step is ~3x the forward FLOPs
    const row: Row = {
      net: net.name, oursStepMs: ours.stepS * 1000, torchStepMs: torchS === null ? null : torchS * 1000,
      oursOverTorch: torchS === null ? null : ours.stepS / torchS, stepGflops: stepRate, forwardGflops: forwardRate, stepOverForwardRate: stepRate / forwardRate,
    };
    rows.push(row);
    const missed = (row.oursOverTorch ?? 0) > 0.5 || (net.torch === 'conv' && row.stepOverForwardRate < 0.5);
    if (missed) profiles[net.name] = await profileStep(ours.train, net);
  }
  console.table(rows.map((r) => ({ ...r, oursStepMs: r.oursStepMs.toFixed(0), torchStepMs: r.torchStepMs?.toFixed(0) ?? 'n/a', oursOverTorch: r.oursOverTorch?.toFixed(2) ?? 'n/a',
    stepGflops: r.stepGflops.toFixed(1), forwardGflops: r.forwardGflops.toFixed(1), stepOverForwardRate: r.stepOverForwardRate.toFixed(2) })));
  console.log('targets: ours/PyTorch <= 0.5 for both; conv step rate >= 0.5 of the forward-only rate');
  for (const [name, ops] of Object.entries(profiles)) {
    console.log(`target missed for ${name}; onnxruntime profiler, one step, per-op totals (ms):`);
    console.table(ops.map(([op, ms]) => ({ op, ms: ms.toFixed(1) })));
  }
  mkdirSync(join('bench', 'results'), { recursive: true });
  writeFileSync(join('bench', 'results', 'train-step.json'), JSON.stringify({ threads: THREADS, steps: STEPS, rows, profiles }, null, 2));
}

await main();
