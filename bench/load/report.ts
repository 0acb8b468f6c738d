/** The load bench's markdown tables: one line per row, one per fairness probe, then every problem found. */
import type { FairnessResult } from './fairness.ts';
import type { RowResult, WarmUp } from './rows.ts';

/** Everything one model's run measured, also when it ended early. */
export interface ModelRun {
  model: string;
  bridge: { startRssMiB?: number; peakRssMiB?: number; stop?: { exit: string; stopMs: number } };
  warmUp?: WarmUp;
  rows: RowResult[];
  fairness?: FairnessResult;
  /** Phases that did not run or failed, with why (and the bridge's last log lines for a failure). */
  failures: string[];
}

const show = (x: number | undefined): string => (x === undefined ? '–' : String(x));

function cancelCell(r: RowResult): string {
  if (!r.cancel) return '–';
  const late = r.cancel.finishedBeforeCancel ? ` (+${r.cancel.finishedBeforeCancel} done before the cancel)` : '';
  return `${r.cancel.cancelled}/${r.cancel.asked}${late}`;
}

function leaverCell(r: RowResult): string {
  if (!r.disconnect) return '–';
  const d = r.disconnect;
  return `${d.clients} clients, ${d.jobs} jobs: ${d.resultsBeforeClose} results before leaving, ${d.cancelledByBridge} cancelled by the bridge`;
}

function correctCell(r: RowResult): string {
  const cut = r.end === 'done' ? '' : ` (${r.end}${r.openAtTimeLimit ? `: ${r.openAtTimeLimit} open` : ''}${r.notRun ? `, ${r.notRun} not run` : ''})`;
  return `${r.correct}/${r.clients * r.jobsPerClient - (r.cancel?.asked ?? 0)}${cut}`;
}

function rowLine(r: RowResult): string {
  const rest = r.rest;
  const latency = `${show(r.latencyMs.p50)} / ${show(r.latencyMs.p95)} / ${show(r.latencyMs.p99)}`;
  const health = `${r.health.status}${r.health.queue ? `, queue ${r.health.queue.running}+${r.health.queue.queued}` : ''}`;
  return [
    r.model, r.row, `${r.clients} × ${r.jobsPerClient} (${r.window})`, correctCell(r),
    cancelCell(r), leaverCell(r), r.lost.length, r.wrong.length, r.anomalies.length, r.jobsPerSecond, latency,
    `${show(r.perClientJobsPerSecond.min)}–${show(r.perClientJobsPerSecond.max)}`,
    `${rest.upscale.correct}/${rest.upscale.calls} (${show(rest.upscale.p50Ms)})`, `${rest.models.ok}/${rest.models.calls} (${show(rest.models.p95Ms)})`,
    show(r.peakRssMiB), health,
  ].join(' | ');
}

function fairnessLine(f: FairnessResult): string {
  return [
    f.model, show(f.aloneMs), f.backlogJobs, show(f.backlogJobMs), f.probes, show(f.probePosition), `${show(f.probeMs)} / ${show(f.probeMaxMs)}`, show(f.probeToAlone), show(f.fifoEstimateMs),
    show(f.backlogAheadOfProbe), f.problems.length,
  ].join(' | ');
}

/** Prints the tables and the problems of all runs. */
export function printReport(runs: readonly ModelRun[]): void {
  console.log('| model | row | clients × jobs (window) | correct results | cancelled / asked | left mid-job | lost | wrong | protocol violations | jobs/s | latency p50 / p95 / p99 ms | per-client jobs/s min–max | REST upscale correct/calls (p50 ms) | GET /v1/models ok/calls (p95 ms) | bridge peak RSS MiB (row) | health after |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of runs.flatMap((run) => run.rows)) console.log(`| ${rowLine(r)} |`);
  console.log('\nFairness: one job at a time from a second client, submitted behind another client\'s full backlog.\n');
  console.log('| model | probe alone ms | backlog jobs | backlog job ms | probes | probe position (max) | probe behind backlog ms (median / max) | × alone | FIFO would wait ms | backlog results ahead of a probe (max) | problems |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const run of runs) if (run.fairness) console.log(`| ${fairnessLine(run.fairness)} |`);
  console.log('');
  for (const run of runs) {
    const b = run.bridge;
    if (run.warmUp) console.log(`${run.model}: warm-up (every input size once, not counted) ${run.warmUp.jobs} jobs in ${run.warmUp.seconds} s`);
    console.log(`${run.model}: bridge RSS ${show(b.startRssMiB)} MiB at start, peak (VmHWM) ${show(b.peakRssMiB)} MiB; SIGTERM → ${b.stop?.exit ?? '–'} in ${show(b.stop?.stopMs)} ms`);
    const problems = [
      ...run.failures,
      ...run.rows.flatMap((r) => [...r.lost.map((id) => `${r.row}: lost ${id}`), ...r.wrong.map((w) => `${r.row}: wrong ${w}`), ...r.anomalies.map((a) => `${r.row}: ${a}`),
        ...r.rest.upscale.problems.map((p) => `${r.row}: ${p}`), ...r.rest.models.problems.map((p) => `${r.row}: ${p}`)]),
      ...(run.fairness?.problems.map((p) => `fairness: ${p}`) ?? []),
      ...(run.warmUp?.problems.map((p) => `warm-up: ${p}`) ?? []),
    ];
    for (const problem of problems.slice(0, 30)) console.log(`  - ${problem}`);
    if (problems.length > 30) console.log(`  … and ${problems.length - 30} more (bench/results/load.json)`);
  }
}
