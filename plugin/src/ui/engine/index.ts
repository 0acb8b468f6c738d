/** The plugin's engines: the bridge and the in-Figma engine behind one interface, and the choice between them. */
export { activeEngineKind, bridgeEngine, Engines, type EngineKind, type JobEngine } from './engines.ts';
export { LocalEngine, type LocalEngineListener } from './local-engine.ts';
export { IN_FIGMA_MAX_INPUT_PIXELS, IN_FIGMA_MAX_OUTPUT_PIXELS, IN_FIGMA_MODEL, type EngineDevice } from './protocol.ts';
