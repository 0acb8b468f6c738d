/**
 * SD3-size TSD-SR, ours against PyTorch, for the GPU machine (docs/gpu-bench.md). Random weights: an SD3-medium
 * MMDiT and VAE made by bench/sd3_reference.py with diffusers' classes, a random TSD-SR LoRA and embeddings; then
 * `importTsdsr` into a model directory, one TSD-SR pass per output size through openUpscaler on --device, and the
 * same pass in PyTorch (diffusers, cuda fp16). Prints ms, the ratio and peak memory; writes bench/results/sd3-gpu.json.
 *
 *   npx tsx bench/sd3-gpu.ts [--config medium|tiny] [--device webgpu|cuda|cpu|auto] [--sizes 512,2048] [--weights <dir>]
 *     [--diffusers <src tree>] [--python <interpreter>] [--fp16] [--runs 1] [--skip-torch] [--budget-s 540] [--json <extra copy>]
 *
 * Each heavy phase runs in its own process (Python generator + PyTorch timing, import, ours) so peaks don't mix.
 * Generating weights and timing PyTorch need python3 with torch (Debian: python3-torch) and diffusers v0.30.3
 * (installed, or a source tree at --diffusers). Without them, `--config tiny` times ours alone on the committed
 * fixture weights (test/fixtures/sd3/tiny-sd3, tiny-tsdsr); `--config medium` stops, naming what to install.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { importTsdsr } from '../models/import/tsdsr.ts';
import type { ColorFix, DeviceChoice } from '../models/runtime/index.ts';
import { openUpscaler } from '../models/runtime/node.ts';
import { RESULTS_DIR, writeResults } from './results.ts';
import { runBench, SetupError } from './setup-error.ts';
import { syntheticImage } from './synthetic-image.ts';

const { values: opt } = parseArgs({
  options: {
    config: { type: 'string', default: 'medium' },
    device: { type: 'string', default: 'webgpu' },
    sizes: { type: 'string', default: '512,2048' },
    scale: { type: 'string', default: '4' },
    runs: { type: 'string', default: '1' },
    'torch-runs': { type: 'string', default: '3' },
    weights: { type: 'string' },
    work: { type: 'string' },
    python: { type: 'string' },
    diffusers: { type: 'string' },
    layers: { type: 'string' },
    fp16: { type: 'boolean', default: false },
    'skip-torch': { type: 'boolean', default: false },
    'allow-fallback': { type: 'boolean', default: false },
    'color-fix': { type: 'string', default: 'none' },
    json: { type: 'string' },
    'budget-s': { type: 'string' },
    deadline: { type: 'string' },
    phase: { type: 'string' },
    model: { type: 'string' },
    sd3: { type: 'string' },
    tsdsr: { type: 'string' },
  },
});
const sizes = opt.sizes.split(',').filter(Boolean).map(Number);
const scale = Number(opt.scale);
const log = (message: string): boolean => process.stderr.write(`[sd3-gpu] ${message}\n`);
const peakRssMiB = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

/** Per-size timing of our pipeline. */
interface OursCase {
  output: number;
  input: number;
  firstMs: number;
  ms: number;
  gpuPeakMiB: number | null;
  peakRssMiB: number;
}


const SMI = ['--query-gpu=memory.used', '--format=csv,noheader,nounits'];
/** nvidia-smi on PATH, or where GPU containers mount the driver's tools. */
const smiPath = ['nvidia-smi', '/usr/local/nvidia/bin/nvidia-smi', '/usr/bin/nvidia-smi'].find((p) => spawnSync(p, ['-L'], { stdio: 'ignore' }).status === 0);

/** Samples `nvidia-smi`'s used GPU memory every 100 ms in a separate process (the highest GPU's value per sample). */
class GpuSampler {
  private child?: ChildProcess;
  private file = '';

  /** Used MiB now, or null without nvidia-smi. */
  static query(): number | null {
    if (!smiPath) return null;
    const r = spawnSync(smiPath, SMI, { encoding: 'utf8' });
    return r.status === 0 ? Math.max(...r.stdout.split('\n').filter(Boolean).map(Number)) : null;
  }

  /** Starts sampling (a no-op without nvidia-smi). */
  start(tag: string): void {
    if (!smiPath) return;
    this.file = join(tmpdir(), `tsdsr-gpu-${process.pid}-${tag}.csv`);
    const fd = openSync(this.file, 'w');
    this.child = spawn(smiPath, [...SMI, '-lms', '100'], { stdio: ['ignore', fd, 'ignore'] });
    closeSync(fd);
  }

  /** Stops sampling; the peak in MiB, or null when nothing was sampled. */
  async stop(): Promise<number | null> {
    const child = this.child;
    if (!child) return null;
    this.child = undefined;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill();
    await exited;
    const samples = readFileSync(this.file, 'utf8').split('\n').map(Number).filter((v) => Number.isFinite(v) && v > 0);
    return samples.length > 0 ? Math.max(...samples) : null;
  }
}

/** Runs a child process whose stderr is shown as it comes; its last stdout line, parsed as JSON. */
function runChild<T>(what: string, command: string, args: string[]): T {
  const child = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  if (child.status !== 0) {
    // its own message (or traceback) is above; the phases done so far are in the JSON
    throw new SetupError(`${what} ${child.error ? `did not start: ${child.error.message}` : `exited ${child.status ?? child.signal}`}; see its message above`);
  }
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as T;
}

/** Runs this script again as a child for one phase; returns its JSON (the last stdout line). */
function phase<T>(name: string, args: string[]): T {
  return runChild(`the ${name} phase`, process.execPath, [...process.execArgv, process.argv[1]!, '--phase', name, ...args]);
}

function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((n, f) => n + (statSync(join(dir, f)).isDirectory() ? dirBytes(join(dir, f)) : statSync(join(dir, f)).size), 0);
}

/** Phase `import`: the downloads (SD3 in diffusers' layout, TSD-SR's LoRA and embeddings) → a tsdsr model directory. */
async function importPhase(sd3: string, tsdsr: string, out: string): Promise<object> {
  const t0 = performance.now();
  await importTsdsr({ sd3, lora: tsdsr, embeds: tsdsr }, { out, fp16: opt.fp16, log });
  return { ms: Math.round(performance.now() - t0), modelMiB: +(dirBytes(out) / 2 ** 20).toFixed(1), storage: opt.fp16 ? 'float16' : 'float32', peakRssMiB: peakRssMiB() };
}

/** Phase `ours`: open the model on the device, then per size a first (warm-up) run and `--runs` timed runs. */
async function oursPhase(model: string): Promise<object> {
  const baselineMiB = GpuSampler.query();
  const sampler = new GpuSampler();
  sampler.start('open');
  const t0 = performance.now();
  const upscaler = await openUpscaler(model, opt.device as DeviceChoice, log);
  const openMs = Math.round(performance.now() - t0);
  const openPeak = await sampler.stop();
  if (upscaler.device !== opt.device && opt.device !== 'auto' && !opt['allow-fallback']) {
    throw new SetupError(`asked for ${opt.device}, the model runs on ${upscaler.device} (why is logged above; on Linux WebGPU needs the Vulkan loader, `
      + 'Debian: apt-get install libvulkan1 mesa-vulkan-drivers): pass --device cpu, or --allow-fallback to time the fallback anyway');
  }
  log(`opened on ${upscaler.device} in ${openMs} ms`);
  const cases: OursCase[] = [];
  for (const output of sizes) {
    const image = syntheticImage(Math.round(output / scale), false);
    sampler.start(String(output));
    const times: number[] = [];
    for (let i = 0; i <= Number(opt.runs); i++) {
      if (i > 0 && Date.now() + times[0]! > Number(opt.deadline ?? Infinity)) break; // no time left for timed runs: report the first
      const t = performance.now();
      const result = await upscaler.upscale(image, { scale, colorFix: opt['color-fix'] as ColorFix });
      times.push(performance.now() - t);
      if (result.width !== output) throw new Error(`expected ${output} px, got ${result.width}`);
    }
    const gpuPeak = await sampler.stop();
    log(`ours ${output}x${output}: ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
    const timed = (times.length > 1 ? times.slice(1) : times).sort((a, b) => a - b);
    cases.push({ output, input: image.width, firstMs: Math.round(times[0]!), ms: Math.round(timed[Math.floor(timed.length / 2)]!), gpuPeakMiB: gpuPeak, peakRssMiB: peakRssMiB() });
  }
  await upscaler.dispose();
  return { device: upscaler.device, openMs, gpuBaselineMiB: baselineMiB, gpuOpenPeakMiB: openPeak, cases };
}

/** The first interpreter that imports torch. */
function findPython(): string | null {
  const candidates = opt.python ? [opt.python] : ['python3', '/usr/bin/python3', 'python'];
  return candidates.find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) ?? null;
}

/**
 * A file of this project by its path from the root: beside this script when run from bench/, else under the
 * working directory (the bundle in .device/ is run from the project root).
 */
function projectFile(path: string): string {
  const here = fileURLToPath(new URL(`../${path}`, import.meta.url));
  return existsSync(here) ? here : resolve(path);
}

/** Why diffusers can't be imported (none installed for `python`, or no source tree at `src`), or null when it can. */
function diffusersMissing(python: string, src: string | undefined): string | null {
  if (src) return existsSync(join(src, 'src', 'diffusers')) ? null : `--diffusers ${src} holds no src/diffusers`;
  return spawnSync(python, ['-c', 'import diffusers'], { stdio: 'ignore' }).status === 0 ? null : `${python} has no diffusers and no --diffusers <src tree> was given`;
}

/** How to get the Python side, for the messages when it is missing. */
const PYTHON_FIX = 'python3 with torch (Debian: apt-get install python3-torch) and diffusers v0.30.3, installed or as a source tree '
  + 'passed with --diffusers <dir> (docs/gpu-bench.md says how to extract one)';

function runPython(python: string, args: string[]): Record<string, unknown> {
  const script = projectFile('bench/sd3_reference.py');
  log(`${python} ${[script, ...args].join(' ')}`);
  return runChild('bench/sd3_reference.py', python, [script, ...args]);
}

const fmt = (v: unknown): string => (typeof v === 'number' ? String(Math.round(v)) : 'n/a');

function printTable(r: Record<string, unknown>): void {
  const ours = r.ours as { device: string; gpuBaselineMiB: number | null; cases: OursCase[] } | undefined;
  const torch = r.torch as { device?: string; dtype?: string; sizes?: Array<Record<string, unknown>> } | undefined;
  const torchLabel = torch?.device ? `PyTorch ${torch.device} ${torch.dtype}` : 'PyTorch';
  console.log(`\nTSD-SR one step, SD3 ${r.config} with random weights, scale ${scale}; ours: ${ours?.device ?? opt.device}, graphs compute in float32 (weights stored ${opt.fp16 ? 'float16' : 'float32'}); ${torchLabel}`);
  console.log(`| output | input | ours first ms | ours ms | ${torchLabel} ms | ratio ours/PyTorch | ours GPU peak MiB (nvidia-smi, +over idle) | PyTorch max allocated MiB | ours peak RSS MiB |`);
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const output of sizes) {
    const o = ours?.cases.find((c) => c.output === output);
    const t = torch?.sizes?.find((c) => c.output === output);
    const ratio = o && typeof t?.ms === 'number' ? (o.ms / t.ms).toFixed(2) : 'n/a';
    const gpu = o?.gpuPeakMiB == null ? 'n/a' : `${o.gpuPeakMiB} (+${o.gpuPeakMiB - (ours?.gpuBaselineMiB ?? 0)})`;
    console.log(`| ${output}² | ${output / scale}² | ${fmt(o?.firstMs)} | ${fmt(o?.ms)} | ${fmt(t?.ms)} | ${ratio} | ${gpu} | ${fmt(t?.maxAllocatedMiB)} | ${fmt(o?.peakRssMiB)} |`);
  }
  const imp = r.import as { ms: number; modelMiB: number } | undefined;
  if (imp) console.log(`import: ${(imp.ms / 1000).toFixed(1)} s, model directory ${imp.modelMiB} MiB`);
}

async function main(): Promise<void> {
  if (opt.phase === 'import') return void console.log(JSON.stringify(await importPhase(opt.sd3!, opt.tsdsr!, opt.model!)));
  if (opt.phase === 'ours') return void console.log(JSON.stringify(await oursPhase(opt.model!)));
  if (!['medium', 'tiny'].includes(opt.config)) throw new Error(`--config ${opt.config}: medium or tiny`);
  const started = Date.now();
  const work = resolve(opt.work ?? join(tmpdir(), `tsdsr-sd3-bench-${opt.config}`));
  const weights = resolve(opt.weights ?? join(work, 'weights'));
  const model = join(work, 'model');
  const resultsPath = join(RESULTS_DIR, 'sd3-gpu.json');
  const results: Record<string, unknown> = {
    date: new Date().toISOString(), config: opt.config, device: opt.device, scale, sizes, runs: Number(opt.runs), colorFix: opt['color-fix'],
    host: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, gpu: !smiPath ? null : spawnSync(smiPath, ['--query-gpu=name,driver_version', '--format=csv,noheader'], { encoding: 'utf8' }).stdout.trim() },
    notes: ['our graphs compute in float32 whatever the weight storage; PyTorch runs fp16 on cuda, fp32 on cpu',
      'ours GPU peak: nvidia-smi memory.used (whole GPU, incl. context and cached buffers); PyTorch: torch.cuda.max_memory_allocated',
      `ours runs colour fix '${opt['color-fix']}', PyTorch none`],
  };
  const save = (): void => {
    for (const path of [resultsPath, ...(opt.json ? [resolve(opt.json)] : [])]) writeResults(path, results);
  };
  const python = findPython();
  const missing = python === null ? `no python that imports torch (${opt.python ? `--python ${opt.python}` : 'python3, /usr/bin/python3, python'})` : diffusersMissing(python, opt.diffusers);
  const pyCommon = ['--config', opt.config, ...(opt.diffusers ? ['--diffusers', opt.diffusers] : []), '--sizes', sizes.join(','), '--scale', String(scale), '--runs', opt['torch-runs']];
  const timeTorch = !opt['skip-torch'] && missing === null;
  let sources = { sd3: join(weights, 'sd3'), tsdsr: join(weights, 'tsdsr') };
  if (!opt.weights && missing === null) {
    results.torch = runPython(python!, ['--out', weights, ...(opt.layers ? ['--layers', opt.layers] : []), ...pyCommon, ...(timeTorch ? ['--time'] : [])]);
  } else if (!opt.weights && opt.config === 'tiny') {
    sources = { sd3: projectFile('test/fixtures/sd3/tiny-sd3'), tsdsr: projectFile('test/fixtures/sd3/tiny-tsdsr') };
    log(`${missing}: ours only, on the committed tiny weights (${sources.sd3}, ${sources.tsdsr}); for the PyTorch side: ${PYTHON_FIX}`);
  } else if (!opt.weights) {
    throw new SetupError(`--config ${opt.config} makes its random weights with bench/sd3_reference.py, but ${missing}. Needs ${PYTHON_FIX}; or pass --weights <dir> from an earlier run, or try --config tiny (ours only without them)`);
  } else if (timeTorch) {
    results.torch = runPython(python!, ['--weights', weights, ...pyCommon, '--time']);
  }
  if (!timeTorch) {
    const why = opt['skip-torch'] ? '--skip-torch' : missing!;
    results.torch = { ...(results.torch as object | undefined), skipped: why };
    log(`PyTorch side skipped (${why})`);
  }
  save();
  log(`importing ${sources.sd3} and ${sources.tsdsr} into ${model}`);
  results.import = phase('import', ['--sd3', sources.sd3, '--tsdsr', sources.tsdsr, '--model', model, ...(opt.fp16 ? ['--fp16'] : [])]);
  save();
  results.ours = phase('ours', ['--model', model, '--device', opt.device, '--sizes', sizes.join(','), '--scale', String(scale), '--runs', opt.runs,
    '--color-fix', opt['color-fix'], ...(opt['budget-s'] ? ['--deadline', String(started + Number(opt['budget-s']) * 1000)] : []), ...(opt['allow-fallback'] ? ['--allow-fallback'] : [])]);
  save();
  printTable(results);
  console.log(`\nwrote ${resultsPath}${opt.json ? ` and ${resolve(opt.json)}` : ''}; work directory ${work}`);
}

await runBench('bench/sd3-gpu', main);
