/** Progress on stderr: a one-line bar on a terminal; for training, also a line every N steps when piped. */
import type { ProgressSink } from '../../../trainer/src/loop/progress.ts';

/** Steps between the progress lines `tsdsr train` writes when stderr is not a terminal (`--progress-every`). */
export const DEFAULT_PROGRESS_EVERY_STEPS = 10;

/** What the CLI writes progress and messages to. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Draws and clears a progress bar for one file at a time. */
export class ProgressBar {
  #drawn = false;
  constructor(private readonly stream: ProgressStream) {}

  /** Redraws the bar: label, bar, tiles done of total, stage. */
  update(label: string, done: number, total: number, stage: string): void {
    if (!this.stream.isTTY) return;
    const width = 24;
    const filled = total > 0 ? Math.round((width * done) / total) : 0;
    const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
    const line = `${label} [${bar}] ${done}/${total} tiles${stage === 'resample' ? ' (resampling)' : ''}`;
    const columns = this.stream.columns ?? 80;
    this.stream.write(`\r${line.slice(0, columns - 1)}\u001b[K`);
    this.#drawn = true;
  }

  /** Removes the bar so the next message starts on a clean line. */
  clear(): void {
    if (!this.#drawn) return;
    this.stream.write('\r\u001b[K');
    this.#drawn = false;
  }
}

/** The sink `tsdsr train` hands the trainer: the stream's bar on a terminal, one line every `everySteps` steps elsewhere. */
export function trainProgressSink(stream: ProgressStream, everySteps = DEFAULT_PROGRESS_EVERY_STEPS): ProgressSink {
  return {
    write: (text) => stream.write(text),
    isTTY: stream.isTTY,
    ...(stream.columns === undefined ? {} : { columns: stream.columns }),
    lineEverySteps: everySteps,
  };
}
