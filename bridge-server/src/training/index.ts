/** Training jobs in the bridge: the job manager, its fastify plugin and the training-root checks. */
export { TrainingManager, type TrainingManagerOptions } from './manager.ts';
export { trainingPlugin, type TrainingPluginOptions } from './plugin.ts';
export { loadTrainer, localTrainRunner, type TrainRunContext, type TrainRunner, type TrainRunOptions, type TrainRunResult } from './runner.ts';
export { checkTrainingPath, resolveRoots, type TrainingRoots } from './roots.ts';
