/** The training loop: sessions (one ORT run per step), checkpoints and resume, logs and progress, the vae/teacher/tsd runs. */
export { OPTIMISER_DEFAULTS, TrainSession, type FloatTensor, type OptimiserOptions, type StepResult, type TrainSessionSpec } from './train-session.ts';
export { learningRateAt, type LrScheduleOptions } from './lr-schedule.ts';
export { CHECKPOINT_FILES, checkpointStatePath, loadCheckpoint, readCheckpointMeta, readCheckpointParameters, saveCheckpoint, type CheckpointMeta } from './checkpoint.ts';
export { JsonlLog, TrainProgress, formatDuration, type ProgressSink } from './progress.ts';
export { writeSampleGrid, writeSampleSheet, type SheetImage } from './sample-sheet.ts';
export { centreCropPair, heldOutProbe, planarToRgba, type ProbeOptions, type ProbeRecord } from './probe.ts';
export { checkpointDir, runTrainingLoop, type LoopOptions, type LoopResult, type StageStepResult, type TrainStage } from './runner.ts';
export { smallFamily, styleEmbedding, type LatentFamily, type SmallFamilyConfig } from './family.ts';
export { loadTeacherRun, loadVaeRun, loadWeights, saveTeacherRun, saveVaeRun, saveWeights, type TeacherRunInfo, type VaeRunInfo } from './artifacts.ts';
export { BUDGET_STEP_CAP, RUN_DEFAULTS, withDefaults, type RunOptions } from './run-options.ts';
export { trainTeacher, trainTsd, trainVae, type RunContext } from './runs.ts';
export { RECIPE_STAGES, readRecipe, recordRecipeProvenance, resolveRecipePaths, runRecipe, stageDoneFile, type Recipe, type RecipeStage, type RecipeStageResult } from './recipe.ts';
export { loadModelWeights, type ModelWeights } from './from-model.ts';
export { HELD_OUT, STYLE_DEFAULTS, heldOutImages, scoreHeldOut, trainStyle, type HeldOutScore, type StyleResult, type StyleRunOptions } from './style.ts';
