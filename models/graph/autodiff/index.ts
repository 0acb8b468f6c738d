/** Reverse-mode autodiff over models/graph: the driver, the rule table, stopGradient and shape helpers. */
export { gradients, type GradientOptions } from './gradients.ts';
export { GRADIENT_RULES, NON_DIFFERENTIABLE } from './rules/index.ts';
export type { GradientRule, GradientTable, LazyGradient } from './rule.ts';
export { stopGradient, isStopGradient } from './stop-gradient.ts';
export { unbroadcast, zerosLike, onesLike } from './shapes.ts';
