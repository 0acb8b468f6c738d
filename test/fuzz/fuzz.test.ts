// Seeded fuzzing (issue 14): the WebSocket decoder, the image-header probe and decoder, and the bridge end to end
// (WebSocket frames and REST bodies). Every case must end in a success or a documented error code: never a throw, a
// hang, a schema-invalid reply or `internal`. Replay a failure with FUZZ_SEED=<seed printed below>.
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { decodeImage, probeImage } from '../../models/runtime/node.ts';
import {
  ClientMessage, ERROR_STATUS, ErrorMessage, decodeClientMessage, decodeServerMessage, isErrorCode, type ServerMessage,
} from '../../bridge-server/src/protocol/index.ts';
import { startBridge, tempConfigDir, type RunningBridge } from '../bridge/helpers.ts';
import { sampleImages } from '../helpers/image-headers.ts';
import { hostileFrame } from './frames.ts';
import { baseImages, hostileImage, type BaseImage } from './images.ts';
import { FUZZ_SEED, Random } from './random.ts';

const COUNTS = { decoder: 4000, probe: 4000, decode: 400, wsFrames: 300, restBodies: 300 };
/** Largest side each format's header can state. */
const MAX_SIDE = { png: 0x7fffffff, jpeg: 0xffff, webp: 0x1000000 } as const;
const IMAGE_CODES = new Set(['not_an_image', 'bad_image', 'too_many_pixels']);
/** Codes a paired client's hostile frames and bodies may earn; `internal` and `unavailable` are never among them. */
const CLIENT_FAULT_CODES = new Set(['bad_request', 'bad_scale', 'unknown_model', 'unknown_job', 'cancelled', 'queue_full', 'too_many_pixels', 'not_an_image', 'bad_image', 'unsupported_media_type', 'body_too_large']);
const LIMITS = { maxInputPixels: 64 * 64, maxOutputPixels: 256 * 256, maxBodyBytes: 1024 * 1024 };

let bases: BaseImage[];
let bridge: RunningBridge;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ cleanup } = await tempConfigDir());
  bases = await baseImages();
  bridge = await startBridge({ limits: LIMITS });
});
afterAll(async () => {
  await bridge.app.close();
  await cleanup();
});

/** Collects problems (first few kept with their case) so one failing assertion reports them all. */
class Findings {
  readonly problems: string[] = [];
  count = 0;
  add(index: number, what: string, input: string | Uint8Array): void {
    this.count++;
    const shown = typeof input === 'string' ? JSON.stringify(input.slice(0, 120)) : Buffer.from(input.subarray(0, 48)).toString('hex');
    if (this.problems.length < 8) this.problems.push(`case ${index}: ${what} (input ${shown}, ${input.length} long)`);
  }
}

function report(target: string, cases: number, tally: Record<string, number>): void {
  console.log(`fuzz ${target}: ${cases} cases, seed ${FUZZ_SEED} → ${JSON.stringify(tally)}`);
}

function tallyOf(tally: Record<string, number>, key: string): void {
  tally[key] = (tally[key] ?? 0) + 1;
}

describe('decodeClientMessage', () => {
  it(`answers ${COUNTS.decoder} hostile frames with a message or a refusal, never a throw`, () => {
    const random = new Random(FUZZ_SEED);
    const findings = new Findings();
    const tally: Record<string, number> = {};
    const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).join();
    for (let i = 0; i < COUNTS.decoder; i++) {
      const text = hostileFrame(random);
      let decoded;
      try {
        decoded = decodeClientMessage(text);
        decodeServerMessage(text);
      } catch (err) {
        findings.add(i, `threw ${String(err)}`, text);
        continue;
      }
      if (decoded.ok) {
        tallyOf(tally, `ok ${decoded.message.type}`);
        if (!Value.Check(ClientMessage, decoded.message)) findings.add(i, 'accepted a message the schema refuses', text);
        continue;
      }
      tallyOf(tally, 'refused');
      const { reason, type, id } = decoded;
      if (typeof reason !== 'string' || reason.length === 0 || reason.length > 200) findings.add(i, `refusal reason ${JSON.stringify(reason)?.slice(0, 60)}`, text);
      if (type !== undefined && typeof type !== 'string') findings.add(i, 'refusal type is not a string', text);
      const reply = { type: 'error', ...(id === undefined ? {} : { id }), code: 'bad_request', message: reason };
      if (!Value.Check(ErrorMessage, reply)) findings.add(i, `the server's error reply would break its own schema: ${JSON.stringify(reply).slice(0, 120)}`, text);
    }
    report('decodeClientMessage', COUNTS.decoder, tally);
    expect(findings.problems).toEqual([]);
    expect(Object.getOwnPropertyNames(Object.prototype).join()).toBe(prototypeKeys);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('image header probe and decoder', () => {
  it(`measures ${COUNTS.probe} hostile headers or refuses them with not_an_image / bad_image`, async () => {
    const random = new Random(FUZZ_SEED + 1);
    const findings = new Findings();
    const tally: Record<string, number> = {};
    for (let i = 0; i < COUNTS.probe; i++) {
      const bytes = hostileImage(random, bases);
      try {
        const header = await probeImage(bytes);
        tallyOf(tally, `ok ${header.format}`);
        const sane = Number.isInteger(header.width) && Number.isInteger(header.height) && header.width >= 1 && header.height >= 1
          && header.width <= MAX_SIDE[header.format] && header.height <= MAX_SIDE[header.format];
        if (!sane) findings.add(i, `insane size ${header.width}x${header.height}`, bytes);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        tallyOf(tally, String(code));
        if (code !== 'not_an_image' && code !== 'bad_image') findings.add(i, `probe failed with ${String(err)}`, bytes);
      }
    }
    report('probeImage', COUNTS.probe, tally);
    expect(findings.problems).toEqual([]);
  });

  it(`decodes ${COUNTS.decode} hostile images under a pixel limit or refuses them with a documented code, each within 5 s`, async () => {
    const random = new Random(FUZZ_SEED + 2);
    const findings = new Findings();
    const tally: Record<string, number> = {};
    for (let i = 0; i < COUNTS.decode; i++) {
      const bytes = hostileImage(random, bases);
      let timer: NodeJS.Timeout | undefined;
      const hang = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error('hang'), { code: 'hang' })), 5000);
      });
      try {
        const image = await Promise.race([decodeImage(bytes, { maxInputPixels: LIMITS.maxInputPixels }), hang]);
        tallyOf(tally, 'ok');
        if (image.data.length !== image.width * image.height * 4 || image.width * image.height > LIMITS.maxInputPixels) {
          findings.add(i, `decoded ${image.width}x${image.height} with ${image.data.length} bytes`, bytes);
        }
      } catch (err) {
        const code = String((err as { code?: unknown }).code);
        tallyOf(tally, code);
        if (!IMAGE_CODES.has(code)) findings.add(i, `decode failed with ${String(err)}`, bytes);
      } finally {
        clearTimeout(timer);
      }
    }
    report('decodeImage', COUNTS.decode, tally);
    expect(findings.problems).toEqual([]);
  });
});

/** A paired raw WebSocket that keeps every text frame it receives (unparsed) and its close. */
async function rawPairedSocket(): Promise<{ socket: WebSocket; texts: string[]; closed: () => number | undefined }> {
  const socket = new WebSocket(bridge.wsUrl);
  const texts: string[] = [];
  let closeCode: number | undefined;
  socket.on('message', (data, isBinary) => {
    if (!isBinary) texts.push(String(data));
  });
  socket.on('close', (code) => {
    closeCode = code;
  });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'hello', protocol: 1, client: { name: 'fuzz', version: '0' }, token: bridge.token }));
  await waitFor(() => texts.length > 0, 'the hello reply');
  return { socket, texts, closed: () => closeCode };
}

async function waitFor(done: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** True when every job the server accepted has its result or error among the frames received. */
function allJobsEnded(texts: readonly string[]): boolean {
  const accepted = new Set<string>();
  const ended = new Set<string>();
  for (const text of texts) {
    const decoded = decodeServerMessage(text);
    if (!decoded.ok || !('id' in decoded.message) || decoded.message.id === undefined) continue;
    if (decoded.message.type === 'accepted') accepted.add(decoded.message.id);
    if (decoded.message.type === 'result' || decoded.message.type === 'error') ended.add(decoded.message.id);
  }
  return [...accepted].every((id) => ended.has(id));
}

/** A condition that also needs 150 ms without new frames (submissions still in flight answer within that). */
function quietAnd(texts: readonly string[], condition: (texts: readonly string[]) => boolean): () => boolean {
  let seen = -1;
  let since = Date.now();
  return () => {
    if (texts.length !== seen) {
      seen = texts.length;
      since = Date.now();
    }
    return Date.now() - since >= 150 && condition(texts);
  };
}

describe('the bridge end to end', () => {
  it(`answers ${COUNTS.wsFrames} hostile WebSocket frames with schema-valid documented replies and still serves`, async () => {
    const random = new Random(FUZZ_SEED + 3);
    const { socket, texts, closed } = await rawPairedSocket();
    for (let i = 0; i < COUNTS.wsFrames; i++) {
      const kind = random.int(10);
      if (kind < 6) socket.send(hostileFrame(random, bridge.token));
      else if (kind < 9) {
        socket.send(JSON.stringify({ type: 'upscale', id: `fuzz-${i}`, model: random.pick(['nearest', 'bicubic']), scale: random.pick([2, 1.5, 3]) }));
        socket.send(hostileImage(random, bases), { binary: true });
      } else socket.send(random.bytes(random.length(64)), { binary: true });
    }
    socket.send(JSON.stringify({ type: 'cancel', id: 'sentinel' }));
    await waitFor(() => texts.some((text) => text.includes('"sentinel"')) || closed() !== undefined, 'answer to the sentinel');
    await waitFor(quietAnd(texts, allJobsEnded), 'end of every accepted job', 20_000);
    const { png } = await sampleImages(8, 6);
    socket.send(JSON.stringify({ type: 'upscale', id: 'after-fuzz', model: 'nearest', scale: 2 }));
    socket.send(png, { binary: true });
    const isFinal = (text: string): boolean => text.includes('"after-fuzz"') && /"type":"(result|error)"/.test(text);
    await waitFor(() => texts.some(isFinal) || closed() !== undefined, 'answer to the request after the fuzz');
    socket.close();

    const tally: Record<string, number> = {};
    const problems: string[] = [];
    for (const text of texts.slice(1)) {
      const decoded = decodeServerMessage(text);
      if (!decoded.ok) {
        problems.push(`schema-invalid reply ${text.slice(0, 160)}: ${decoded.reason}`);
        continue;
      }
      const message: ServerMessage = decoded.message;
      tallyOf(tally, message.type === 'error' ? `error ${message.code}` : message.type);
      if (message.type === 'error' && !CLIENT_FAULT_CODES.has(message.code)) problems.push(`undocumented reply ${text.slice(0, 160)}`);
    }
    report('WebSocket frames', COUNTS.wsFrames, tally);
    expect(closed()).toBeUndefined();
    expect(problems.slice(0, 8)).toEqual([]);
    const final = decodeServerMessage(texts.find(isFinal)!);
    expect(final.ok && final.message).toMatchObject({ type: 'result', id: 'after-fuzz', width: 16, height: 12 });
  });

  it(`answers ${COUNTS.restBodies} hostile REST bodies with a documented status, never 500`, async () => {
    const random = new Random(FUZZ_SEED + 4);
    const tally: Record<string, number> = {};
    const problems: string[] = [];
    for (let i = 0; i < COUNTS.restBodies; i++) {
      const body = hostileImage(random, bases);
      const contentType = random.chance(0.95) ? random.pick(['application/octet-stream', 'image/png', 'image/jpeg', 'image/webp']) : random.pick(['text/plain', 'image/gif']);
      const res = await bridge.app.inject({
        method: 'POST', url: `/v1/upscale?model=${random.pick(['nearest', 'bicubic'])}&scale=2`, payload: body,
        headers: { authorization: `Bearer ${bridge.token}`, 'content-type': contentType },
      });
      if (res.statusCode === 200) {
        tallyOf(tally, '200');
        if (res.headers['content-type'] !== 'image/png') problems.push(`case ${i}: 200 with ${res.headers['content-type']}`);
        continue;
      }
      const code: unknown = res.json().error?.code;
      tallyOf(tally, `${res.statusCode} ${String(code)}`);
      if (!isErrorCode(code) || ERROR_STATUS[code] !== res.statusCode || !CLIENT_FAULT_CODES.has(code)) {
        problems.push(`case ${i}: ${res.statusCode} ${res.body.slice(0, 160)} for ${Buffer.from(body.subarray(0, 32)).toString('hex')}`);
      }
    }
    report('REST bodies', COUNTS.restBodies, tally);
    expect(problems.slice(0, 8)).toEqual([]);
  });
});
