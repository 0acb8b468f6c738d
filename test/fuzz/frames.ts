/** Hostile WebSocket text frames: valid client messages with fields deleted, retyped, huge, nested, unicode or polluting, then text-level damage. */
import type { Random } from './random.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The valid messages every case starts from. */
export function validFrames(token = 'fuzz-token'): Record<string, Json>[] {
  return [
    { type: 'hello', protocol: 1, client: { name: 'fuzz', version: '0' }, token },
    { type: 'upscale', id: 'job-1', model: 'nearest', scale: 2 },
    { type: 'upscale', id: 'job-2', model: 'bicubic', scale: 3, tile: 64, colorFix: 'wavelet' },
    { type: 'cancel', id: 'job-1' },
  ];
}

const KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'type', 'id', 'scale', 'tile', '', ' ', 'é', '\u0000', '💥'];
const TYPES = ['hello', 'upscale', 'cancel', 'result', 'error', 'accepted', 'progress', 'HELLO', 'upscale ', 'cancel\u0000', '__proto__', 'constructor', 'toString', 'hasOwnProperty', ''];
const UNICODE = ['é', 'ß', '💥', '\u202e', '\u0000', '\ufeff', '\ud800', '\udfff', '\u200b', '\\', '"', '\n', '𝔘𝔫𝔦'];

/** A placeholder that hostileFrame replaces with JSON nested `depth` levels deep (JSON.stringify itself overflows on such values). */
function nested(random: Random): Json {
  return `__nested_${random.pick([2, 10, 100, 1000, 5000, 20_000])}_${random.pick(['array', 'object'])}__`;
}

function expandNested(text: string): string {
  return text.replace(/"__nested_(\d+)_(array|object)__"/g, (_, depth: string, kind: string) => {
    const [open, close] = kind === 'array' ? ['[', ']'] : ['{"a":', '}'];
    return `${open.repeat(Number(depth))}1${close.repeat(Number(depth))}`;
  });
}

/** A value of a random, often wrong, type. */
export function weirdValue(random: Random): Json {
  switch (random.int(12)) {
    case 0: return random.pick([null, true, false]);
    case 1: return random.pick([0, -0, -1, 1, 1.5, 2, 8, 8.000001, 9, 1e-300, 1e308, -1e308, 2 ** 53, 2 ** 31, 0xffffffff]);
    case 2: return random.pick(['', ' ', 'NaN', 'Infinity', '2', 'null', 'nearest', 'job-1']);
    case 3: return 'x'.repeat(random.pick([63, 64, 65, 256, 257, 5000, 70_000]));
    case 4: return Array.from({ length: random.range(1, 8) }, () => random.pick(UNICODE)).join('');
    case 5: return [];
    case 6: return {};
    case 7: return [random.pick([1, 'a', null]), { b: 2 }];
    case 8: return { polluted: true, type: 'hello' };
    case 9: return nested(random);
    case 10: return Array.from({ length: random.pick([10, 1000, 10_000]) }, (_, i) => i);
    default: return random.pick(TYPES);
  }
}

function setOwn(target: Record<string, Json>, key: string, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
}

/** One structural change to a message (in place). */
function mutateObject(random: Random, message: Record<string, Json>): Record<string, Json> {
  const keys = Object.keys(message);
  switch (random.int(6)) {
    case 0: if (keys.length) delete message[random.pick(keys)]; return message;
    case 1: if (keys.length) setOwn(message, random.pick(keys), weirdValue(random)); return message;
    case 2: setOwn(message, random.pick(KEYS), weirdValue(random)); return message;
    case 3: message.type = random.chance(0.7) ? random.pick(TYPES) : weirdValue(random); return message;
    case 4: {
      const inner = message.client;
      if (inner && typeof inner === 'object' && !Array.isArray(inner)) setOwn(inner, random.pick(['name', 'version', ...KEYS]), weirdValue(random));
      else setOwn(message, 'client', weirdValue(random));
      return message;
    }
    default: return random.chance(0.5) ? { wrapped: message } : message;
  }
}

/** One change to the JSON text itself. */
function mutateText(random: Random, text: string): string {
  const at = random.int(text.length + 1);
  switch (random.int(8)) {
    case 0: return text.slice(0, at);
    case 1: return text.slice(0, at) + String.fromCharCode(random.int(0x10000)) + text.slice(at + 1);
    case 2: return text.slice(0, at) + random.pick(['{', '}', '[', ']', '"', ',', ':', '\\', 'null', '1e999', '-', '\u0000']) + text.slice(at);
    case 3: return text.replace('{', random.pick(['{"type":"hello",', '{"__proto__":{"polluted":true},', '{"constructor":{"prototype":{"polluted":true}},', '{"type":"upscale","type":"cancel",']));
    case 4: return `\ufeff${text}`;
    case 5: return random.pick(['', 'null', '[]', '"hello"', '123', 'true', '{}', '[{"type":"hello"}]', ' ', '{"type":"hello"']);
    case 6: return Buffer.from(random.bytes(random.length(200))).toString(random.chance(0.5) ? 'utf8' : 'latin1');
    default: return text.slice(0, at) + text.slice(at + random.range(1, 8));
  }
}

/** One hostile text frame: a valid message, changed structurally and/or textually. */
export function hostileFrame(random: Random, token?: string): string {
  const message = structuredClone(random.pick(validFrames(token)));
  let current = message;
  const structural = random.chance(0.8) ? random.range(1, 3) : 0;
  for (let i = 0; i < structural; i++) current = mutateObject(random, current);
  let text = expandNested(JSON.stringify(current));
  const textual = structural === 0 || random.chance(0.3) ? random.range(1, 2) : 0;
  for (let i = 0; i < textual; i++) text = mutateText(random, text);
  return text;
}
