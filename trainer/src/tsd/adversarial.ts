/**
 * The non-saturating logistic GAN losses (Goodfellow et al. 2014; StyleGAN's default) as graph builders, on
 * per-patch logits, each a mean over patches and batch:
 * the discriminator's softplus(−D(real)) + softplus(D(fake)), the generator's softplus(−D(fake)); and pix2pixHD's
 * feature matching (Wang et al. 2018), the discriminator's activations as a perceptual distance it learns itself.
 */
import { abs, add, exp, log, mul, neg, reduceMean, relu, stopGradient, sub, type Graph, type Value } from '../../../models/graph/index.ts';

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

/**
 * Feature matching (pix2pixHD, Wang et al. 2018, eq. 4): the mean over layers of mean |D_l(x̂) − D_l(x_H)|, one term per
 * hidden activation of the discriminator (its logits left out), the HR's side held fixed. Equal layer weights 1 / L,
 * so the term's size does not grow with the discriminator's depth.
 */
export function featureMatchingLoss(g: Graph, fakeFeatures: readonly Value[], realFeatures: readonly Value[]): Value {
  if (fakeFeatures.length === 0 || fakeFeatures.length !== realFeatures.length) {
    throw new Error(`feature matching: ${fakeFeatures.length} fake and ${realFeatures.length} real feature maps; give one or more of each, paired`);
  }
  const terms = fakeFeatures.map((f, i) => reduceMean(g, abs(g, sub(g, f, stopGradient(g, realFeatures[i] as Value))), { keepdims: false }));
  return mul(g, terms.reduce((a, b) => add(g, a, b)), 1 / terms.length);
}
