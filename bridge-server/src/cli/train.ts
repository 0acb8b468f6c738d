/** `tsdsr train vae|teacher|tsd|recipe`: trains the small family from a folder of images; tsd exports a model the registry lists. */
import type { RunContext } from '../../../trainer/src/loop/runs.ts';
import { EXIT, parseCommandLine, parseInteger, UsageError } from './args.ts';
import type { CliIO } from './io.ts';
import { DEFAULT_PROGRESS_EVERY_STEPS, trainProgressSink } from './progress.ts';
import { TRAIN_STYLE_USAGE, trainStyleCommand } from './train-style.ts';
import { checkRecipeFlags, TRAIN_OPTIONS, trainRunOptions, type TrainStage, type TrainValues } from './train-options.ts';

/** Help text of the command. */
export const TRAIN_HELP = `Usage: tsdsr train vae     --data <dir> --out <dir> [options]
       tsdsr train teacher --data <dir> --vae <dir> --out <dir> [options]
       tsdsr train tsd     --data <dir> --teacher <dir> --out <dir> [--style <name>] [options]
       tsdsr train recipe  <file.json> [--stage vae|teacher|tsd|refine]
       ${TRAIN_STYLE_USAGE}

vae       trains the small autoencoder (L1 + (1 - SSIM) reconstruction + a small KL term)
teacher   flow-matching pre-training of the small denoiser on the VAE's latents (10% style dropout for CFG)
tsd       TSD-SR distillation (Algorithm 1) of a one-step student; exports a model directory
          (default <config dir>/models/<id>) that the bridge and the plugin list
style     a custom style: fine-tunes a shipped model (--from, default tsdsr-fast) on the folder for --minutes (default 10),
          holding out about 10% of the images (chosen by file) to score it against the model it started from;
          the model goes to <config dir>/models/<id from --name>
recipe    runs vae, teacher, tsd and any refinement runs (or only --stage) as a JSON recipe says, e.g. trainer/recipes/default.json;
          paths in it are relative to the current directory; a finished stage is skipped, a checkpointed one resumed

Options:
      --steps <n>                 training steps (vae 2000, teacher 4000, tsd 2000; with --minutes, 100 000)
      --batch <n>                 batch size (default 4)
      --crop <px>                 HR crop side (vae/teacher 128, tsd 256; LR = crop / scale)
      --lr <x>                    peak learning rate (vae/teacher 2e-4, tsd student 5e-5)
      --warmup-steps <n>          linear learning-rate warm-up (vae/teacher 100, tsd 50)
      --scales <list>             draw each sample's factor from these, e.g. 2,3,4 (default: 4 only); the crop must be
                                  a multiple of each
      --degradation <kind>        realesrgan, bicubic or mixed (vae/teacher bicubic, tsd realesrgan)
      --bicubic-share <x>         with --degradation mixed, the share of bicubic samples, 0 to 1 (default 0.5)
      --detail-crops <n>          draw n candidate windows per crop and keep the most detailed (default 1)
      --repeat-folder <f>=<n>     draw the images under the data folder's top-level folder f n times per epoch
                                  (repeatable), e.g. photos=3
      --arch <preset>             (vae, teacher) small or fast (default small); tsd uses its teacher's
      --reg-lr <x>                (tsd) reg model learning rate (default 1e-5)
      --student-timestep <t>      (tsd) the student's timestep, above 0 and at most 1000 (default 1000)
      --output-gate               (tsd) gate the student's velocity with a zero-initialised per-channel scale, so it
                                  starts from the upsampled input
      --frozen-encoder            (tsd) no LoRA on the student's VAE encoder (with --output-gate, every change is gated)
      --full-fine-tune            (tsd) train every student denoiser weight, from the teacher's with conv_out zeroed
      --init-student <run dir>    (tsd) start the student from an earlier train tsd run's (implies --full-fine-tune)
      --from-model <id|dir>       (tsd) start from an exported model instead of a teacher run (its VAE, its whole
                                  student, its t_s and style; data loss only); train style's --from is the same
      --minutes <m>               stop after about m minutes: the step count is fitted after the first steps, so the
                                  learning-rate schedule ends with the run, which then exports as usual; without
                                  --steps the budget alone sets the length
      --lora-rank <n>             (tsd) rank of the student and reg LoRAs (default 16)
      --dasm-steps <n>            (tsd) DASM steps per regulariser evaluation (default 4)
      --regulariser-weight <x>    (tsd) weight of the TSD regulariser (default 1); 0 trains the data loss alone, with no
                                  teacher or reg model (faster)
      --guidance-scale <x>        (tsd) CFG scale of teacher and reg model (default 7.5)
      --adversarial-weight <x>    (tsd) weight of the adversarial loss from a patch discriminator trained alongside
                                  (default 0: none)
      --disc-lr <x>               (tsd) the discriminator's learning rate (default 1e-4)
      --disc-widths <a,b,...>     (tsd) the discriminator's widths, conv_in's then one per stride-2 block (default
                                  16,32,64,64: a logit per 8x8 cell seeing 40 px); 32,64,128,128,128 sees 80 px
      --feature-matching-weight <x>
                                  (tsd) weight of feature matching through the discriminator: its activations of the
                                  student's image against the HR's, a perceptual loss the run learns itself (default 0;
                                  needs --adversarial-weight)
      --gradient-variance-weight <x>
                                  (tsd) weight of the gradient variance loss (Abrahamyan et al. 2022): per-patch
                                  variance of the Sobel gradients against the HR's, a hand-crafted perceptual term that
                                  charges for flattened edges and texture (default 0: none)
      --init-discriminator <run dir>
                                  (tsd) start the discriminator from an earlier adversarial run's checkpoint
      --target-usm                (tsd) train towards the USM-sharpened HR crop (Real-ESRGAN's gt_usm)
      --style <name>              style name (default: the data folder's name)
      --id <id>                   (tsd) model id (default tsdsr-small)
      --name <text>               (tsd) the model's display name in the plugin and the CLI (default "TSD-SR small (<style>)")
      --model-out <dir>           (tsd) where to export (default <config dir>/models/<id>)
      --lpips-weights <file>      (tsd) LPIPS weights; without it L1 + (1 - SSIM) is used
      --checkpoint-every <n>      checkpoint and sample sheet every n steps (default 200)
      --seed <n>                  seed of data order, crops, noise and initialisation (default 0)
      --progress-every <n>        when stderr is not a terminal (piped, logged), print a progress line every n steps
                                  (default 10; on a terminal a progress bar is redrawn at every step)
      --device <d>                cpu, webgpu, cuda or auto (default cpu)
      --resume                    continue from <out>/checkpoint (bit-identical to an uninterrupted run)
      --stage <stage>             (recipe) run only this stage
  -h, --help                      show this help

Ctrl-C saves a checkpoint after the current step and exits with 130; run the same command with --resume
(a recipe: the same command) to continue.`;

const STAGES = Object.freeze(['vae', 'teacher', 'tsd'] as const);

/** Where training progress goes: the bar on a terminal, a line every --progress-every steps elsewhere. */
function progressSink(values: TrainValues, io: CliIO) {
  const every = parseInteger('progress-every', values['progress-every'], 1, 1e9) ?? DEFAULT_PROGRESS_EVERY_STEPS;
  return trainProgressSink(io.stderr, every);
}

/** Runs `work` with Ctrl-C and SIGTERM wired to its abort signal. */
async function untilInterrupted<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

async function trainStage(stage: TrainStage, values: TrainValues, io: CliIO): Promise<number> {
  const options = trainRunOptions(stage, values, io.env);
  const progress = progressSink(values, io);
  const { trainVae, trainTeacher, trainTsd } = await import('../../../trainer/src/index.ts');
  const result = await untilInterrupted((signal) => {
    const ctx: RunContext = { progress, log: (m) => io.err(m), signal };
    if (stage === 'vae') return trainVae(options, ctx);
    if (stage === 'teacher') return trainTeacher({ ...options, vae: options.vae as string }, ctx);
    return trainTsd({ ...options, teacher: options.teacher as string }, ctx);
  });
  if (result.interrupted) return EXIT.interrupted;
  io.out(stage === 'tsd' ? `trained ${options.id}; use it with --model ${options.id}` : `trained the ${stage} in ${options.out}`);
  return EXIT.ok;
}

async function trainStyleForm(values: TrainValues, io: CliIO): Promise<number> {
  const progress = progressSink(values, io);
  const result = await trainStyleCommand(values, io, (work) => untilInterrupted((signal) => work({ signal, progress })));
  if (result.interrupted) return EXIT.interrupted;
  for (const line of result.lines) io.out(line);
  return EXIT.ok;
}

async function trainRecipe(file: string | undefined, values: TrainValues, io: CliIO): Promise<number> {
  if (file === undefined) throw new UsageError('train recipe needs a recipe file, e.g. tsdsr train recipe trainer/recipes/default.json');
  const stage = checkRecipeFlags(values);
  const progress = progressSink(values, io);
  const { readRecipe, resolveRecipePaths, runRecipe } = await import('../../../trainer/src/index.ts');
  const recipe = await readRecipe(file).then((r) => resolveRecipePaths(r, process.cwd()), (err: Error) => {
    throw new UsageError(err.message);
  });
  const results = await untilInterrupted((signal) => runRecipe(recipe, { progress, log: (m) => io.err(m), signal }, stage));
  for (const r of results) io.err(`${r.stage}: ${r.status}${r.step !== undefined ? ` at step ${r.step}` : ''}`);
  if (results.some((r) => r.status === 'interrupted')) {
    io.err('run the same command again to continue');
    return EXIT.interrupted;
  }
  const exporting = recipe.refine?.length ? 'refine' : 'tsd'; // the stage that writes the model
  io.out(stage === undefined || stage === exporting ? `trained ${recipe.id} in ${recipe.modelOut}; use it with --models ${recipe.modelOut}` : `trained the ${stage} in ${recipe.out}`);
  return EXIT.ok;
}

/** Runs the command; returns the exit code (130 when stopped by a signal, with a checkpoint saved). */
export async function trainCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, TRAIN_OPTIONS);
  if (values.help) {
    io.out(TRAIN_HELP);
    return EXIT.ok;
  }
  const [form, ...rest] = positionals;
  if (form === 'recipe' && rest.length <= 1) return trainRecipe(rest[0], values, io);
  if (form === 'style' && rest.length === 0) return trainStyleForm(values, io);
  if (values.from !== undefined) throw new UsageError('--from applies to train style (train tsd takes --from-model)');
  if (rest.length > 0 || !(STAGES as readonly (string | undefined)[]).includes(form)) {
    throw new UsageError('use tsdsr train vae, tsdsr train teacher, tsdsr train tsd, tsdsr train style or tsdsr train recipe <file.json>');
  }
  return trainStage(form as TrainStage, values, io);
}
