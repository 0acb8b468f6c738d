/** Data-set building from Debian packages: package download/extraction, selection and split, SVG rendering, manifest. */
export * from './packages.ts';
export * from './select.ts';
export * from './render.ts';
export * from './manifest.ts';
export { collectPackage, type CollectOptions } from './collect.ts';
export { buildDataset, parseBuildArgs, type BuildOptions } from './build.ts';
