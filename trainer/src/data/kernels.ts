/** Blur kernels of Real-ESRGAN's degradation model: (an)isotropic Gaussian, generalized Gaussian, plateau, circular sinc. */

/** A square, odd-sized, normalised 2-D kernel; `separable` holds the 1-D factor when the kernel is its outer product. */
export interface Kernel2d {
  readonly size: number;
  readonly weights: Float64Array;
  readonly separable?: Float64Array;
}

/** The shape of a bivariate kernel: standard deviations along its own axes and the rotation of those axes (radians). */
export interface KernelShape {
  readonly sigmaX: number;
  readonly sigmaY: number;
  readonly theta: number;
}

/** Bessel function of the first kind, order 1, by the trapezoid rule on Bessel's integral (exact to ~1e-14 for |x| < 60). */
export function besselJ1(x: number): number {
  const n = Math.max(64, Math.ceil(Math.abs(x) * 1.5) + 32);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const tau = (2 * Math.PI * i) / n;
    sum += Math.cos(tau - x * Math.sin(tau));
  }
  return sum / n;
}

/** Check that a kernel size is a positive odd integer. */
function assertOddSize(size: number): void {
  if (!Number.isInteger(size) || size < 1 || size % 2 === 0) throw new Error(`kernel size must be a positive odd integer, got ${size}`);
}

/** Build a kernel from f(x, y) on the centred integer grid and normalise it to sum 1. */
function kernelFromFunction(size: number, f: (x: number, y: number) => number): Kernel2d {
  assertOddSize(size);
  const half = (size - 1) / 2;
  const weights = new Float64Array(size * size);
  let total = 0;
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      const v = f(col - half, row - half);
      weights[row * size + col] = v;
      total += v;
    }
  }
  for (let i = 0; i < weights.length; i++) weights[i] = (weights[i] as number) / total;
  return { size, weights };
}

/** The quadratic form p^T Σ^{-1} p for Σ = R diag(σx², σy²) R^T, R the rotation by theta. */
function quadraticForm(shape: KernelShape): (x: number, y: number) => number {
  const c = Math.cos(shape.theta);
  const s = Math.sin(shape.theta);
  const ix = 1 / (shape.sigmaX * shape.sigmaX);
  const iy = 1 / (shape.sigmaY * shape.sigmaY);
  return (x, y) => {
    const u = c * x + s * y;
    const v = -s * x + c * y;
    return u * u * ix + v * v * iy;
  };
}

/** Normalised 1-D Gaussian of the given size and standard deviation. */
export function gaussian1d(size: number, sigma: number): Float64Array {
  assertOddSize(size);
  const half = (size - 1) / 2;
  const out = new Float64Array(size);
  let total = 0;
  for (let i = 0; i < size; i++) {
    const x = i - half;
    out[i] = Math.exp((-0.5 * x * x) / (sigma * sigma));
    total += out[i] as number;
  }
  for (let i = 0; i < size; i++) out[i] = (out[i] as number) / total;
  return out;
}

/** Bivariate Gaussian exp(-q/2); isotropic shapes come with their separable 1-D factor. */
export function gaussianKernel(size: number, shape: KernelShape): Kernel2d {
  const q = quadraticForm(shape);
  const kernel = kernelFromFunction(size, (x, y) => Math.exp(-0.5 * q(x, y)));
  if (shape.sigmaX !== shape.sigmaY) return kernel;
  return { ...kernel, separable: gaussian1d(size, shape.sigmaX) };
}

/** Generalized Gaussian exp(-q^beta / 2) (beta = 1 is the Gaussian). */
export function generalizedGaussianKernel(size: number, shape: KernelShape, beta: number): Kernel2d {
  const q = quadraticForm(shape);
  return kernelFromFunction(size, (x, y) => Math.exp(-0.5 * Math.pow(q(x, y), beta)));
}

/** Plateau kernel 1 / (1 + q^beta). */
export function plateauKernel(size: number, shape: KernelShape, beta: number): Kernel2d {
  const q = quadraticForm(shape);
  return kernelFromFunction(size, (x, y) => 1 / (Math.pow(q(x, y), beta) + 1));
}

/** Circularly symmetric ideal low-pass (2-D sinc) with cutoff omega in radians per pixel (pi = Nyquist). */
export function sincKernel(size: number, cutoff: number): Kernel2d {
  return kernelFromFunction(size, (x, y) => {
    const r = Math.hypot(x, y);
    if (r === 0) return (cutoff * cutoff) / (4 * Math.PI);
    return (cutoff * besselJ1(cutoff * r)) / (2 * Math.PI * r);
  });
}

/** The identity kernel (a single 1). */
export function pulseKernel(): Kernel2d {
  return { size: 1, weights: Float64Array.of(1), separable: Float64Array.of(1) };
}

/** True when convolving with the kernel changes nothing. */
export function isPulse(kernel: Kernel2d): boolean {
  return kernel.size === 1 && kernel.weights[0] === 1;
}
