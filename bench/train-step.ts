// npm run bench:train-step — time per training step (forward + backward + AdamW, one session run) of a
// 16-layer 64-channel 3x3 conv net on 4x3x128x128 and of a transformer block (1024 tokens, width 256),
// next to PyTorch (bench/train_step_reference.py, torch.set_num_threads(2)) on every BLAS installed for it (see
// bench/torch-blas.ts; the ratio is against the fastest), and next to the forward-only rate onnxruntime reaches on
// the same net. Writes bench/results/train-step.json after every net; prints per-op profiler totals.
// Environment: BENCH_STEPS (timed steps per round, 3; their median), BENCH_ROUNDS (turns of ours and each torch, 3; the fastest),
// BENCH_ONLY=conv or =transformer (one net), BENCH_BLAS=netlib,openblas-pthread (the BLASes to time torch on),
// TORCH_PYTHON (/usr/bin/python3).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import * as G from '../models/graph/index.ts';
import { attentionBlock, initialValues, layerNormMlp, type Block, type Slot } from '../test/autodiff/blocks.ts';
import { RESULTS_DIR, resultsPath, writeResults } from './results.ts';
import { blasName, installedBlas, isReferenceBlas, REFERENCE_BLAS_WARNING, systemBlas, torchEnv, type BlasChoice } from './torch-blas.ts';

const THREADS = 2;
const STEPS = Number(process.env.BENCH_STEPS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PYTHON = process.env.TORCH_PYTHON ?? '/usr/bin/python3';
const TORCH_REFERENCE = fileURLToPath(new URL('./train_step_reference.py', import.meta.url));

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
  ...(profile ? { enableProfiling: true, profileFilePrefix: join(RESULTS_DIR, 'train-step-profile') } : {}),
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

/** Our sessions of a net: `step()` and `forward()` each give a median time (s), the training state fed back. */
interface Ours { step: () => Promise<number>; forward: () => Promise<number>; flops: number; train: G.Graph; release: () => Promise<void> }

/** Opens the forward-only and the training-step sessions of a net, for timing in rounds. */
async function openOurs(net: Net): Promise<Ours> {
  const { forward, train, sig, flops } = buildGraphs(net);
  const init = initialValues({ name: net.name, slots: net.slots, forward: () => { throw new Error('unused'); } });
  const data = Object.fromEntries(net.slots.map((s) => [s.name, Float32Array.from(init[s.name]!)]));
  const fwd = await ort.InferenceSession.create(G.serializeModel(forward), options());
  const feedsF = Object.fromEntries(net.slots.map((s) => [s.name, tensorOf(data[s.name]!, s.shape)]));
  const session = await ort.InferenceSession.create(G.serializeModel(train), options());
  const state: Record<string, ort.Tensor> = { ...feedsF };
  for (const p of sig.parameters) {
    const shape = state[p.param]!.dims;
    state[p.m] = tensorOf(new Float32Array(state[p.param]!.size), shape);
    state[p.v] = tensorOf(new Float32Array(state[p.param]!.size), shape);
  }
  let step = 0;
  return {
    flops, train,
    forward: () => median(async () => { await fwd.run(feedsF); }),
    step: () => median(async () => {
      step++;
      const out = await session.run({ ...state, [sig.step]: tensorOf(Float32Array.of(step), []), [sig.learningRate]: tensorOf(Float32Array.of(1e-4), []) });
      for (const p of sig.parameters) [state[p.param], state[p.m], state[p.v]] = [out[p.newParam]!, out[p.newM]!, out[p.newV]!];
    }),
    release: async () => { await fwd.release(); await session.release(); },
  };
}

interface TorchTiming { blas: string; blasLibrary: string | null; configBlas: string | null; stepMs: number; stepMsRounds?: number[] }

/** PyTorch's median step time on one BLAS, or null when the python has no torch (or the run fails). */
function timeTorch(kind: string, choice: BlasChoice): TorchTiming | null {
  try {
    const out = execFileSync(PYTHON, [TORCH_REFERENCE, kind, String(STEPS), String(THREADS)],
      { encoding: 'utf8', env: torchEnv(choice, THREADS), stdio: ['ignore', 'pipe', 'inherit'] });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { stepS: number; blasLibrary: string | null; configBlas: string | null };
    return { blas: blasName(r.blasLibrary, r.configBlas), blasLibrary: r.blasLibrary, configBlas: r.configBlas, stepMs: r.stepS * 1000 };
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
  const name = readdirSync(RESULTS_DIR).filter((f) => f.startsWith('train-step-profile')).sort().at(-1);
  if (!name) return [];
  const file = join(RESULTS_DIR, name);
  const events = JSON.parse(readFileSync(file, 'utf8')) as { cat: string; dur: number; args?: { op_name?: string } }[];
  rmSync(file);
  const totals = new Map<string, number>();
  for (const e of events) if (e.cat === 'Node' && e.args?.op_name) totals.set(e.args.op_name, (totals.get(e.args.op_name) ?? 0) + e.dur / 1000);
  return [...totals].sort((a, b) => b[1] - a[1]).slice(0, 8);
}

interface Row {
  net: string; oursStepMs: number; oursStepMsRounds: number[]; torch: TorchTiming[]; torchBlas: string | null; torchStepMs: number | null; oursOverTorch: number | null;
  stepGflops: number; forwardGflops: number; stepOverForwardRate: number;
}

/**
 * One net's row: ours and torch on every BLAS, timed in ROUNDS that take turns, each side's time its fastest round
 * (the one other processes disturbed least: on a shared machine the slower rounds measure them, not us); the ratio
 * is against the fastest torch. Every round's time is kept in the JSON.
 */
async function measure(net: Net, blas: readonly BlasChoice[]): Promise<{ row: Row; train: G.Graph }> {
  const ours = await openOurs(net);
  const stepS: number[] = [];
  const forwardS: number[] = [];
  const torchRuns = new Map<string, TorchTiming[]>();
  for (let round = 0; round < ROUNDS; round++) {
    stepS.push(await ours.step());
    forwardS.push(await ours.forward());
    for (const choice of blas) {
      const t = timeTorch(net.torch, choice);
      if (t !== null) torchRuns.set(t.blas, [...(torchRuns.get(t.blas) ?? []), t]);
    }
  }
  await ours.release();
  const torch = [...torchRuns.values()].map((runs) => ({ ...runs[0]!, stepMs: Math.min(...runs.map((t) => t.stepMs)), stepMsRounds: runs.map((t) => t.stepMs) }));
  const fastest = torch.reduce<TorchTiming | null>((best, t) => (best === null || t.stepMs < best.stepMs ? t : best), null);
  const [oursStepS, oursForwardS] = [Math.min(...stepS), Math.min(...forwardS)];
  const [stepRate, forwardRate] = [(3 * ours.flops) / oursStepS / 1e9, ours.flops / oursForwardS / 1e9]; // a step is ~3x the forward FLOPs
  const oursStepMs = oursStepS * 1000;
  return {
    train: ours.train,
    row: {
      net: net.name, oursStepMs, oursStepMsRounds: stepS.map((t) => t * 1000), torch, torchBlas: fastest?.blas ?? null, torchStepMs: fastest?.stepMs ?? null,
      oursOverTorch: fastest === null ? null : oursStepMs / fastest.stepMs, stepGflops: stepRate, forwardGflops: forwardRate, stepOverForwardRate: stepRate / forwardRate,
    },
  };
}

/** The printed table: one torch column per BLAS measured, the ratio against the fastest. */
function printRows(rows: readonly Row[]): void {
  const blasNames = [...new Set(rows.flatMap((r) => r.torch.map((t) => t.blas)))];
  console.table(rows.map((r) => ({
    net: r.net, 'ours ms': r.oursStepMs.toFixed(0),
    ...Object.fromEntries(blasNames.map((b) => [`torch ${b} ms`, r.torch.find((t) => t.blas === b)?.stepMs.toFixed(0) ?? 'n/a'])),
    'fastest torch': r.torchBlas ?? 'n/a', 'ours/torch': r.oursOverTorch?.toFixed(2) ?? 'n/a',
    'step GFLOP/s': r.stepGflops.toFixed(1), 'forward GFLOP/s': r.forwardGflops.toFixed(1), 'step/forward rate': r.stepOverForwardRate.toFixed(2),
  })));
  console.log(`ms: each side's fastest of ${ROUNDS} rounds taken in turns, a round the median of ${STEPS} steps after a warm-up`);
  console.log('targets: ours/torch (the fastest BLAS) <= 0.5 for both; conv step rate >= 0.5 of the forward-only rate');
  const measured = rows.flatMap((r) => r.torch.map((t) => t.blas));
  if (measured.length === 0) console.log(`no PyTorch for ${PYTHON} (Debian: apt-get install -y python3-torch); ours only`);
  else if (measured.every(isReferenceBlas)) console.log(REFERENCE_BLAS_WARNING);
}

async function main(): Promise<void> {
  const path = resultsPath('train-step.json'); // made now: the profiler writes there mid-run
  const only = process.env.BENCH_BLAS?.split(',');
  const blas = installedBlas().filter((b) => only === undefined || only.includes(b.name));
  const rows: Row[] = [];
  const profiles: Record<string, [string, number][]> = {};
  const system = systemBlas();
  const load1m = [loadavg()[0]!]; // at the start and after each net: above the core count, other work shares the CPU
  const save = (): void => writeResults(path, {
    threads: THREADS, steps: STEPS, rounds: ROUNDS, cpu: cpus()[0]?.model, cores: cpus().length, load1m, torchBlasSystemDefault: system, torchBlasTried: blas, rows, profiles,
    date: new Date().toISOString(),
  });
  console.error(`PyTorch timed on: ${blas.map((b) => `${b.name}${b.libraryDir ? ` (${b.libraryDir})` : ''}`).join(', ')}; the system's libblas.so.3: ${system ?? 'unknown'}`);
  for (const net of [convNet(), transformer()].filter((n) => n.name.includes(process.env.BENCH_ONLY ?? ''))) {
    const { row, train } = await measure(net, blas);
    rows.push(row);
    load1m.push(loadavg()[0]!);
    save(); // after every row, so a failure later loses nothing measured
    const missed = (row.oursOverTorch ?? 0) > 0.5 || (net.torch === 'conv' && row.stepOverForwardRate < 0.5);
    if (missed) profiles[net.name] = await profileStep(train, net);
    save();
  }
  printRows(rows);
  if (Math.max(...load1m) > cpus().length) {
    console.log(`warning: 1-minute load average up to ${Math.max(...load1m).toFixed(1)} on ${cpus().length} cores: other processes shared the CPU, the times are noisy`);
  }
  for (const [name, ops] of Object.entries(profiles)) {
    console.log(`target missed for ${name}; onnxruntime profiler, one step, per-op totals (ms):`);
    console.table(ops.map(([op, ms]) => ({ op, ms: ms.toFixed(1) })));
  }
  console.log(`wrote ${path}`);
}

await main();
