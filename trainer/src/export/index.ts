/** Export of trained students as model directories the bridge serves. */
export { exportTsdsrModel, gitCommit, tsdsrManifest, type TsdsrExportOptions } from './tsdsr.ts';
export { averageModels, type AveragedSource } from './average.ts';
export { checkModelDirectory, isModelFile, writeModelDirectory } from './model-directory.ts';
