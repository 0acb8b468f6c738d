/** TSD-SR training pieces: flow-matching schedule, weighting, DASM, guidance, the TSD regulariser target and the losses (data, TSD, reg, adversarial). */
export * from './random.ts';
export * from './schedule.ts';
export * from './weighting.ts';
export * from './dasm.ts';
export * from './cfg.ts';
export * from './regulariser.ts';
export * from './losses.ts';
export * from './ssim.ts';
export * from './perceptual.ts';
export * from './adversarial.ts';
export * from './gradient-variance.ts';
