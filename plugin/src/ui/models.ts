/**
 * The bridge's model list, fetched again after the handshake: `GET /v1/models` rescans the bridge's model folders, so
 * a style trained or copied in while the plugin is open shows up without reconnecting.
 */
import { Value } from '@sinclair/typebox/value';
import { ModelsBody, type ModelInfo } from '../../../bridge-server/src/protocol/index.ts';

/** Milliseconds the fetch may take before the list is left as it is. */
export const MODELS_TIMEOUT_MS = 3000;

/** The models `GET /v1/models` lists, or undefined when the bridge cannot be asked or answers anything else. */
export async function fetchModels(baseUrl: string, token: string, fetchImpl: typeof fetch = fetch): Promise<ModelInfo[] | undefined> {
  try {
    const response = await fetchImpl(`${baseUrl}/v1/models`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(MODELS_TIMEOUT_MS) });
    if (!response.ok) return undefined;
    const body: unknown = await response.json();
    return Value.Check(ModelsBody, body) ? body.models : undefined;
  } catch {
    return undefined;
  }
}

/** True when both lists name the same models with the same details, in the same order. */
export function sameModels(a: readonly ModelInfo[], b: readonly ModelInfo[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
