/** Resume refuses a checkpoint made with other training options, naming the flags that differ. */

/** Options a resumed run may change: how long it runs, where it runs and writes, and what the exported model is called. */
const CHANGEABLE_ON_RESUME: ReadonlySet<string> = new Set([
  'steps', 'resume', 'device', 'workers', 'checkpointEvery', 'sampleEvery', 'data', 'out', 'vae', 'teacher', 'exportDir', 'id', 'name', 'lpipsWeights', 'probe',
]);

/** The command-line flag of each run option whose name differs from the option's. */
const FLAG_OF_OPTION: Readonly<Record<string, string>> = Object.freeze({
  cropSizePx: 'crop', regLr: 'reg-lr', warmupSteps: 'warmup-steps', bicubicShare: 'bicubic-share', detailCandidates: 'detail-crops',
  folderRepeats: 'repeat-folder', studentTimestep: 'student-timestep', outputGate: 'output-gate', encoderLora: 'frozen-encoder',
  fullFineTune: 'full-fine-tune', initStudent: 'init-student', loraRank: 'lora-rank', dasmSteps: 'dasm-steps',
  regulariserWeight: 'regulariser-weight', guidanceScale: 'guidance-scale',
  adversarialWeight: 'adversarial-weight', discriminatorLr: 'disc-lr', discriminatorWidths: 'disc-widths', targetUsm: 'target-usm',
  featureMatchingWeight: 'feature-matching-weight', initDiscriminator: 'init-discriminator', gradientVarianceWeight: 'gradient-variance-weight',
});

/** One option whose value differs between the checkpoint and this run. */
export interface OptionChange {
  readonly flag: string;
  readonly saved: unknown;
  readonly current: unknown;
}

const show = (value: unknown): string => (value === undefined ? '(not set)' : JSON.stringify(value));

/** The options that differ between a checkpoint's recorded options and this run's (none when the checkpoint recorded none). */
export function resumeOptionChanges(saved: Readonly<Record<string, unknown>>, current: Readonly<Record<string, unknown>>): OptionChange[] {
  if (Object.keys(saved).length === 0) return [];
  const keys = [...new Set([...Object.keys(saved), ...Object.keys(current)])].filter((k) => !CHANGEABLE_ON_RESUME.has(k)).sort();
  return keys
    .filter((k) => JSON.stringify(saved[k]) !== JSON.stringify(current[k]))
    .map((k) => ({ flag: `--${FLAG_OF_OPTION[k] ?? k}`, saved: saved[k], current: current[k] }));
}

/** Throws when this run's options differ from the checkpoint's, listing each flag with its saved and current value. */
export function checkResumeOptions(outDir: string, saved: Readonly<Record<string, unknown>>, current: Readonly<Record<string, unknown>>): void {
  const changes = resumeOptionChanges(saved, current);
  if (changes.length === 0) return;
  const list = changes.map((c) => `${c.flag} (checkpoint: ${show(c.saved)}, now: ${show(c.current)})`).join(', ');
  throw new Error(`--resume: the checkpoint in ${outDir} was made with other flags: ${list}; resume with the checkpoint's flags, or train into a new --out`);
}
