/**
 * Step time and peak RSS of the small family's training steps (vae, teacher, tsd) at their default sizes on this CPU.
 * Each stage runs in its own process (so peaks don't mix) on generated 512 px images with untrained weights; the step
 * time is the median interval between JSONL log lines after the first step (graph build and session creation excluded).
 *
 *   npx tsx bench/train-small.ts [--steps 4] [--stages vae,teacher,tsd] [--batch 4]
 * Prints a table and writes bench/results/train-small.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { SMALL_DENOISER_CONFIG, SMALL_VAE_CONFIG, initSmallDenoiser, initSmallVae } from '../models/nets/index.ts';
import { RUN_DEFAULTS, saveTeacherRun, saveVaeRun, trainTeacher, trainTsd, trainVae } from '../trainer/src/index.ts';
import { writeTrainingImages } from '../test/trainer/loop/fixtures.ts';
import { resultsPath, writeResults } from './results.ts';

const { values: opt } = parseArgs({ options: { steps: { type: 'string', default: '4' }, stages: { type: 'string', default: 'vae,teacher,tsd' }, batch: { type: 'string', default: '4' }, stage: { type: 'string' } } });

/** Median of the intervals between log lines, skipping the first step. */
function medianStepMs(logPath: string): number {
  const times = readFileSync(logPath, 'utf8').trim().split('\n').map((l) => Date.parse((JSON.parse(l) as { time: string }).time));
  const gaps = times.slice(1).map((t, i) => t - (times[i] as number)).sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)] ?? Number.NaN;
}

/** Child mode: one stage, prints a JSON line; its generated images and runs are removed afterwards. */
async function runStage(stage: string): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'tsdsr-bench-'));
  const data = await writeTrainingImages(4, 512);
  try {
    const common = { data, out: join(work, stage), steps: Number(opt.steps), batch: Number(opt.batch), checkpointEvery: 0, sampleEvery: 0, workers: 1 };
    await saveVaeRun(join(work, 'v'), initSmallVae(SMALL_VAE_CONFIG), { format: 'tsdsr-small-vae', config: SMALL_VAE_CONFIG, provenance: {} });
    await saveTeacherRun(join(work, 't'), join(work, 'v'), initSmallDenoiser(SMALL_DENOISER_CONFIG), { format: 'tsdsr-small-teacher', vae: SMALL_VAE_CONFIG, denoiser: SMALL_DENOISER_CONFIG, styles: ['bench'], provenance: {} });
    if (stage === 'vae') await trainVae(common);
    if (stage === 'teacher') await trainTeacher({ ...common, vae: join(work, 'v') });
    if (stage === 'tsd') await trainTsd({ ...common, teacher: join(work, 't'), exportDir: join(work, 'model') });
    const d = RUN_DEFAULTS[stage as 'vae' | 'teacher' | 'tsd'];
    const size = stage === 'tsd' ? `${d.cropSizePx / d.scale}→${d.cropSizePx}` : `${d.cropSizePx}`;
    console.log(JSON.stringify({ stage, batch: common.batch, cropPx: size, stepMs: medianStepMs(join(common.out, 'train.jsonl')), peakRssMiB: process.resourceUsage().maxRSS / 1024 }));
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(dirname(data), { recursive: true, force: true });
  }
}

interface Row { stage: string; batch: number; cropPx: string; stepMs: number; peakRssMiB: number }

async function main(): Promise<void> {
  if (opt.stage) return runStage(opt.stage);
  const path = resultsPath('train-small.json');
  const rows: Row[] = [];
  const save = (): void => writeResults(path, { cpu: cpus()[0]?.model, cores: cpus().length, steps: Number(opt.steps), rows, date: new Date().toISOString() });
  for (const stage of opt.stages.split(',')) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', process.argv[1] as string, '--stage', stage, '--steps', opt.steps, '--batch', opt.batch], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (child.status !== 0) throw new Error(`stage ${stage} exited ${child.status ?? child.signal} (${rows.length} rows measured before it saved in ${path})`);
    rows.push(JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '') as Row);
    save();
  }
  console.log('stage    batch  crop (px)   step (s)  peak RSS (MiB)');
  for (const r of rows) console.log(`${r.stage.padEnd(8)} ${String(r.batch).padStart(5)}  ${r.cropPx.padEnd(10)} ${(r.stepMs / 1000).toFixed(2).padStart(9)}  ${r.peakRssMiB.toFixed(0).padStart(14)}`);
  console.log(`wrote ${path}`);
}

await main();
