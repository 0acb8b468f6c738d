// A model given on the command line (`--models DIR`) or kept in the user's models folder under a shipped model's id
// is the one that runs: a retrained `tsdsr-fast` replaces the shipped one, as `tsdsr train` tells its user.
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upscaleCommand } from '../../bridge-server/src/cli/upscale.ts';
import type { CliIO } from '../../bridge-server/src/cli/io.ts';
import { ZOO_DIR } from '../../bridge-server/src/paths.ts';
import { tempConfigDir } from '../bridge/helpers.ts';
import { linesIO } from '../helpers/cli-io.ts';
import { texture } from '../helpers/textures.ts';

let dir: string;
let cleanup: () => Promise<void>;

/** A copy of the zoo's nearest-neighbour model that calls itself `bicubic`. */
async function nearestAsBicubic(to: string): Promise<void> {
  await cp(join(ZOO_DIR, 'nearest'), to, { recursive: true });
  const manifest = JSON.parse(await readFile(join(to, 'model.json'), 'utf8'));
  await writeFile(join(to, 'model.json'), JSON.stringify({ ...manifest, id: 'bicubic', name: 'Nearest under another id' }));
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempConfigDir());
  const image = texture(24, 16, 3, 0);
  await writeFile(join(dir, 'in.png'), await sharp(Buffer.from(image.data), { raw: { width: 24, height: 16, channels: 4 } }).png().toBuffer());
});
afterAll(() => cleanup());

/** Upscales in.png 2× with the model of id `bicubic`; true when every output pixel repeats its input pixel (nearest). */
async function runsNearest(io: CliIO, extra: string[], out: string): Promise<boolean> {
  expect(await upscaleCommand([join(dir, 'in.png'), '-o', join(dir, `${out}.png`), '--model', 'bicubic', '--scale', '2', '--device', 'cpu', ...extra], io)).toBe(0);
  const input = await sharp(join(dir, 'in.png')).raw().toBuffer({ resolveWithObject: true });
  const output = await sharp(join(dir, `${out}.png`)).raw().toBuffer({ resolveWithObject: true });
  expect([output.info.width, output.info.height]).toEqual([48, 32]);
  const [cin, cout] = [input.info.channels, output.info.channels];
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 48; x++) {
      for (let c = 0; c < 3; c++) {
        if (output.data[(y * 48 + x) * cout + c] !== input.data[((y >> 1) * 24 + (x >> 1)) * cin + c]) return false;
      }
    }
  }
  return true;
}

describe('a model id given twice', () => {
  it('runs the shipped model when nothing else has its id', async () => {
    expect(await runsNearest(linesIO(dir), [], 'shipped')).toBe(false);
  });

  it('runs the --models folder over the shipped model of the same id, and says which it skipped', async () => {
    await nearestAsBicubic(join(dir, 'mine'));
    const io = linesIO(dir);
    expect(await runsNearest(io, ['--models', join(dir, 'mine')], 'given')).toBe(true);
    expect(io.lines.some((l) => l.includes(join(ZOO_DIR, 'bicubic')) && l.includes('already provided by') && l.includes(join(dir, 'mine')))).toBe(true);
  });

  it("runs the user's models folder over the shipped model of the same id", async () => {
    await nearestAsBicubic(join(dir, 'models', 'bicubic'));
    expect(await runsNearest(linesIO(dir), [], 'user')).toBe(true);
  });
});
