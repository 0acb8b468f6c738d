/** The shared upscaling runtime, the same in Node and in the browser; onnxruntime is injected (see ort-node.ts / ort-web.ts). */
export { createRgbaImage, hasTransparency, type RgbaImage } from './image.ts';
export { ANTI_RING_SHAPE, COLOR_FIXES, DENOISE_SHAPE, isAntiRing, isDenoiseSpec, ManifestError, parseManifest, type ColorFix, type ModelManifest } from './manifest.ts';
export { chooseModel, choiceOptions, chosenModelIds, GRAPHIC_FROM, GRAPHIC_TRANSPARENT_SHARE, graphicScore, hasTransparentShare, isAutoManifestJson, isGraphic, parseAutoManifest, shippedGraphicNet, type AutoManifest, type ModelChoice } from './auto-model.ts';
export { FLAT_BELOW, flatness, isFlat, type Flatness } from './flatness.ts';
export { DEGRADED_FROM, MIN_ESTIMATE_PIXELS, estimateDegradation, type Degradation, type DegradationEstimate, type DegradationFeatures } from './degradation.ts';
export { DEVICE_CHOICES, createOrtBackend, type Device, type DeviceChoice, type ModelSession, type ModelSource, type OrtBackend } from './ort.ts';
export { CancelledError, ScaleError } from './errors.ts';
export { MAX_SCALE, planScale, validateScale } from './scale.ts';
export { inputSmoothing, loadUpscaler, smoothingSettings, type InputSmoothing, type UpscaleOptions, type UpscaleProgress, type Upscaler } from './upscaler.ts';
export { resizeRgba } from './resize.ts';
export { antiRing } from './anti-ring.ts';
export { DEFAULT_DENOISE_RADIUS, denoise, denoises, type DenoiseSpec } from './denoise.ts';
export { applyColorFix } from './color-fix.ts';
