/** Entry of the sandbox bundle (plugin/dist/code.js): Figma provides `figma` and `__html__` (the manifest's UI file). */
import type { PluginAPI } from '../figma.ts';
import { startPlugin } from './plugin.ts';

declare const figma: PluginAPI;
declare const __html__: string;

startPlugin(figma, __html__);
