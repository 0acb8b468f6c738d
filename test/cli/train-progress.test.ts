// `tsdsr train` with its output piped: one progress line every --progress-every steps (default 10), the first and
// the last step included; on a terminal the bar is redrawn in place instead.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../bridge-server/src/cli/io.ts';
import { main } from '../../bridge-server/src/cli/main.ts';
import { checkRecipeFlags } from '../../bridge-server/src/cli/train-options.ts';
import { TrainProgress } from '../../trainer/src/loop/progress.ts';
import { writeTrainingImages } from '../trainer/loop/fixtures.ts';

let root: string;
let data: string;
beforeAll(async () => {
  data = await writeTrainingImages(2, 64, 'poster');
  root = join(data, '..');
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** Runs the CLI in this process with stderr a pipe (not a TTY); returns the exit code and what reached stderr. */
async function piped(...args: string[]): Promise<{ code: number; written: string; messages: string[] }> {
  const written: string[] = [];
  const messages: string[] = [];
  const io: CliIO = { out: () => undefined, err: (l) => messages.push(l), stderr: { write: (t: string) => written.push(t), isTTY: false }, env: { TSDSR_CONFIG_DIR: root } };
  const code = await main(args, io);
  return { code, written: written.join(''), messages };
}

const stepsOf = (text: string, label: string, total: number): number[] =>
  [...text.matchAll(new RegExp(`^${label} \\[[#-]+\\] (\\d+)/${total} .*step/s ETA .*loss`, 'gm'))].map((m) => Number(m[1]));

describe('tsdsr train, piped', () => {
  it('prints a line at the first step, every --progress-every steps and the last', async () => {
    const out = await mkdtemp(join(tmpdir(), 'tsdsr-progress-'));
    try {
      const run = await piped('train', 'vae', '--data', data, '--out', out, '--steps', '5', '--batch', '1', '--crop', '32', '--progress-every', '2');
      expect(run.code, run.messages.join('\n')).toBe(0);
      expect(stepsOf(run.written, 'vae', 5)).toEqual([1, 2, 4, 5]);
      expect(run.written).not.toContain('\r');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('refuses a --progress-every that is not a positive whole number', async () => {
    const run = await piped('train', 'vae', '--data', data, '--out', join(root, 'unused'), '--progress-every', '0');
    expect(run.code).toBe(2);
    expect(run.messages.join('\n')).toContain('--progress-every 0: use a whole number from 1');
  });

  it('lets train recipe take --progress-every', () => {
    expect(() => checkRecipeFlags({ 'progress-every': '5' })).not.toThrow();
  });
});

describe('TrainProgress', () => {
  const drive = (sink: { isTTY?: boolean; lineEverySteps?: number }): string[] => {
    const written: string[] = [];
    const bar = new TrainProgress({ ...sink, write: (t: string) => written.push(t) }, 'tsd', 1, 25);
    for (let step = 1; step <= 25; step++) bar.update(step, { loss: 1 / step });
    return written;
  };

  it('writes whole lines every lineEverySteps when not a TTY (10 by default in the CLI)', () => {
    expect(stepsOf(drive({ isTTY: false, lineEverySteps: 10 }).join(''), 'tsd', 25)).toEqual([1, 10, 20, 25]);
  });

  it('stays silent when not a TTY and no line interval is set, and redraws in place on a TTY', () => {
    expect(drive({ isTTY: false })).toEqual([]);
    const tty = drive({ isTTY: true, lineEverySteps: 10 });
    expect(tty).toHaveLength(25);
    expect(tty.every((t) => t.startsWith('\r') && !t.includes('\n'))).toBe(true);
  });
});
