/** Export of trained students as model directories the bridge serves. */
export { exportTsdsrModel, gitCommit, tsdsrManifest, type TsdsrExportOptions } from './tsdsr.ts';
export { averageModels, type AveragedSource } from './average.ts';
