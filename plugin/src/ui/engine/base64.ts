/** Base64 to bytes, fast for megabytes: the built-in decoder where the browser has it, else atob and one plain loop. */

type WithFromBase64 = typeof Uint8Array & { fromBase64?: (text: string) => Uint8Array };

/** The bytes `text` (base64) encodes. */
export function base64Bytes(text: string): Uint8Array {
  const fromBase64 = (Uint8Array as WithFromBase64).fromBase64;
  if (fromBase64) return fromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The bytes of base64 gzip data, gunzipped by the browser's DecompressionStream. */
export async function gunzipBase64(text: string): Promise<Uint8Array> {
  const stream = new Blob([base64Bytes(text) as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
