/**
 * The non-saturating logistic GAN losses (Goodfellow et al. 2014; StyleGAN's default) as graph builders, on
 * per-patch logits, each a mean over patches and batch:
 * the discriminator's softplus(−D(real)) + softplus(D(fake)), the generator's softplus(−D(fake)).
 */
import { abs, add, exp, log, neg, reduceMean, relu, type Graph, type Value } from '../../../models/graph/index.ts';

/** log(1 + eˣ), written as max(x, 0) + log(1 + e^−|x|) so large |x| neither overflows nor loses the linear part. */
export function softplus(g: Graph, x: Value): Value {
  return add(g, relu(g, x), log(g, add(g, exp(g, neg(g, abs(g, x))), 1)));
}

/** The discriminator's loss: mean softplus(−D(real)) + mean softplus(D(fake)). */
export function discriminatorLoss(g: Graph, realLogits: Value, fakeLogits: Value): Value {
  const real = reduceMean(g, softplus(g, neg(g, realLogits)), { keepdims: false });
  const fake = reduceMean(g, softplus(g, fakeLogits), { keepdims: false });
  return add(g, real, fake);
}

/** The generator's (student's) adversarial term: mean softplus(−D(x̂)), the non-saturating −log σ(D(x̂)). */
export function generatorAdversarialLoss(g: Graph, fakeLogits: Value): Value {
  return reduceMean(g, softplus(g, neg(g, fakeLogits)), { keepdims: false });
}
