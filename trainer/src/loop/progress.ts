/** Training feedback: JSONL log lines and a one-line progress bar with step rate, ETA and each loss. */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Where the progress bar is drawn (stderr): redrawn in place on a TTY; elsewhere silent unless `lineEverySteps` is set. */
export interface ProgressSink {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
  /** When not a TTY (a pipe, a log file): write one whole line at the first step, every this many steps, and the last. */
  lineEverySteps?: number;
}

/** Appends one JSON object per line to a file. */
export class JsonlLog {
  private ready: Promise<unknown>;

  constructor(readonly path: string) {
    this.ready = mkdir(dirname(path), { recursive: true });
  }

  /** Appends a record (with a timestamp). */
  async write(record: Record<string, unknown>): Promise<void> {
    await this.ready;
    await appendFile(this.path, `${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
  }
}

/** Formats seconds as h:mm:ss or m:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const [h, m, r] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const mm = String(m).padStart(h > 0 ? 2 : 1, '0');
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(r).padStart(2, '0')}`;
}

/** A progress bar over training steps; the rate is measured over the steps of this process only. */
export class TrainProgress {
  private drawn = false;
  private readonly startedAt = Date.now();

  constructor(private readonly sink: ProgressSink, private readonly label: string, private readonly firstStep: number, private totalSteps: number) {}

  /** A new step count (a time budget fitted it after the first steps). */
  retarget(totalSteps: number): void {
    this.totalSteps = totalSteps;
  }

  /** The line for a completed step and its losses. */
  line(step: number, losses: Record<string, number>): string {
    const elapsed = (Date.now() - this.startedAt) / 1000;
    const rate = (step - this.firstStep + 1) / Math.max(elapsed, 1e-9);
    const width = 20;
    const filled = Math.round((width * step) / this.totalSteps);
    const parts = Object.entries(losses).map(([k, v]) => `${k} ${v.toPrecision(3)}`).join(' ');
    return `${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${step}/${this.totalSteps} ` +
      `${rate.toFixed(2)} step/s ETA ${formatDuration((this.totalSteps - step) / rate)} ${parts}`;
  }

  /** Redraws the bar on a TTY; elsewhere writes it as a line on the steps `lineEverySteps` asks for. */
  update(step: number, losses: Record<string, number>): void {
    if (!this.sink.isTTY) {
      const every = this.sink.lineEverySteps ?? 0;
      if (every > 0 && (step === this.firstStep || step % every === 0 || step === this.totalSteps)) this.sink.write(`${this.line(step, losses)}\n`);
      return;
    }
    this.sink.write(`\r${this.line(step, losses).slice(0, (this.sink.columns ?? 100) - 1)}\u001b[K`);
    this.drawn = true;
  }

  /** Removes the bar so messages start on a clean line. */
  clear(): void {
    if (!this.drawn) return;
    this.sink.write('\r\u001b[K');
    this.drawn = false;
  }
}
