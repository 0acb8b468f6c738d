/** Reading the little the plugin needs from image bytes without decoding them. */

/** The image formats the bridge accepts. */
export type BridgeImageFormat = 'png' | 'jpeg' | 'webp';

/** The format of `bytes` when the bridge accepts it, from the file signature; undefined otherwise (e.g. GIF). */
export function bridgeImageFormat(bytes: Uint8Array): BridgeImageFormat | undefined {
  const at = (i: number) => bytes[i] ?? -1;
  if (at(0) === 0x89 && at(1) === 0x50 && at(2) === 0x4e && at(3) === 0x47) return 'png';
  if (at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return 'jpeg';
  const ascii = (from: number, to: number) => String.fromCharCode(...Array.from(bytes.subarray(from, to)));
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  return undefined;
}

/** Width and height from a PNG's IHDR chunk, or undefined when `bytes` is not a PNG. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bridgeImageFormat(bytes) !== 'png' || bytes.length < 24) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
