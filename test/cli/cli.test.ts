// The `tsdsr` command, run as a user would (node bridge-server/bin/tsdsr.js) with its own config dir.
import { execFile, spawn } from 'node:child_process';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePng, pngInfo, tempConfigDir } from '../bridge/helpers.ts';

const BIN = fileURLToPath(new URL('../../bridge-server/bin/tsdsr.js', import.meta.url));
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempConfigDir());
  await writeFile(join(dir, 'in.png'), await makePng(13, 9));
  await writeFile(join(dir, 'second.png'), await makePng(5, 6, false));
  await writeFile(join(dir, 'text.png'), 'not an image');
  // a folder as a designer's export folder looks: images, an earlier result, a non-image, a sub-folder
  await mkdir(join(dir, 'folder', 'nested'), { recursive: true });
  await writeFile(join(dir, 'folder', 'b.png'), await makePng(6, 4));
  await writeFile(join(dir, 'folder', 'a.PNG'), await makePng(3, 5, false));
  await writeFile(join(dir, 'folder', 'a@2x.png'), await makePng(6, 10, false));
  await writeFile(join(dir, 'folder', 'notes.txt'), 'not an image');
  await writeFile(join(dir, 'folder', 'nested', 'deep.png'), await makePng(2, 2));
  await mkdir(join(dir, 'results-only'));
  await writeFile(join(dir, 'results-only', 'x@4x.png'), await makePng(4, 4));
});
afterAll(() => cleanup());

function tsdsr(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, TSDSR_CONFIG_DIR: dir } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('tsdsr upscale', () => {
  it('writes exactly 4x the size with the default model tsdsr-auto, keeping alpha', async () => {
    const run = await tsdsr('upscale', 'in.png', '-o', 'out.png', '--device', 'cpu');
    expect(run.stderr).toMatch(/1 of 1 image upscaled 4x with tsdsr-auto \(tsdsr-(fast|real) for 1\)/);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(join(dir, 'out.png'));
    expect(await pngInfo(await readFile(join(dir, 'out.png')))).toMatchObject({ width: 52, height: 36, hasAlpha: true });
  });

  it('writes several inputs into a directory as <name>@<scale>x.png', async () => {
    const run = await tsdsr('upscale', 'in.png', 'second.png', '-o', 'results', '--scale', '2.5', '--model', 'nearest', '--device', 'cpu');
    expect(run.code).toBe(0);
    expect(await pngInfo(await readFile(join(dir, 'results', 'in@2.5x.png')))).toMatchObject({ width: 33, height: 23 });
    expect(await pngInfo(await readFile(join(dir, 'results', 'second@2.5x.png')))).toMatchObject({ width: 13, height: 15 });
  });

  it('writes JPEG and WebP by the -o name or --format, JPEG over white, WebP keeping alpha', async () => {
    const named = await tsdsr('upscale', 'in.png', '-o', 'out.JPEG', '--model', 'nearest', '--quality', '90', '--device', 'cpu');
    expect(named.code).toBe(0);
    expect(named.stderr).toContain('13x9 -> 52x36; JPEG has no transparency: composited over white');
    const jpeg = sharp(await readFile(join(dir, 'out.JPEG')));
    expect(await jpeg.metadata()).toMatchObject({ format: 'jpeg', width: 52, height: 36, hasAlpha: false });
    const { data } = await jpeg.raw().toBuffer({ resolveWithObject: true });
    for (const y of [0, 17, 35]) expect(Math.min(...data.subarray(y * 52 * 3, y * 52 * 3 + 3))).toBeGreaterThan(245); // alpha 0 at x = 0
    const formats = await tsdsr('upscale', 'in.png', 'second.png', '-o', 'webp', '--format', 'webp', '--scale', '2', '--model', 'nearest', '--device', 'cpu');
    expect(formats.code).toBe(0);
    expect(await sharp(await readFile(join(dir, 'webp', 'in@2x.webp'))).metadata()).toMatchObject({ format: 'webp', width: 26, height: 18, hasAlpha: true });
    expect(await sharp(await readFile(join(dir, 'webp', 'second@2x.webp'))).metadata()).toMatchObject({ format: 'webp', width: 10, height: 12, hasAlpha: false });
    const small = await tsdsr('upscale', 'second.png', '-f', 'jpg', '-q', '5', '--scale', '2', '--model', 'nearest', '--device', 'cpu');
    const large = await tsdsr('upscale', 'second.png', '-o', 'second-q100.jpg', '-q', '100', '--scale', '2', '--model', 'nearest', '--device', 'cpu');
    expect([small.code, large.code]).toEqual([0, 0]);
    expect(small.stdout.trim()).toBe(join(dir, 'second@2x.jpg'));
    expect((await stat(join(dir, 'second@2x.jpg'))).size).toBeLessThan((await stat(join(dir, 'second-q100.jpg'))).size);
  });

  it('upscales the images of a folder (not its sub-folders, not earlier results), into -o or beside them', async () => {
    const into = await tsdsr('upscale', 'folder', '-o', 'from-folder', '--scale', '2', '--model', 'nearest', '--device', 'cpu');
    expect(into.code).toBe(0);
    expect(into.stderr).toContain('skipping 1 earlier result in the folder (a@2x.png)');
    expect(into.stderr).toContain('2 of 2 images upscaled 2x');
    expect((await readdir(join(dir, 'from-folder'))).sort()).toEqual(['a@2x.png', 'b@2x.png']);
    expect(await pngInfo(await readFile(join(dir, 'from-folder', 'a@2x.png')))).toMatchObject({ width: 6, height: 10 });
    expect(into.stdout.trim().split('\n')).toEqual([join(dir, 'from-folder', 'a@2x.png'), join(dir, 'from-folder', 'b@2x.png')]);
    // without -o, beside the inputs: a second run upscales the same two images, not the results of the first
    const beside = await tsdsr('upscale', 'folder', '--scale', '3', '--model', 'nearest', '--device', 'cpu');
    const again = await tsdsr('upscale', 'folder', '--scale', '3', '--model', 'nearest', '--device', 'cpu');
    expect([beside.code, again.code]).toEqual([0, 0]);
    expect(again.stderr).toContain('2 of 2 images upscaled 3x');
    expect((await readdir(join(dir, 'folder'))).sort()).toEqual(['a.PNG', 'a@2x.png', 'a@3x.png', 'b.png', 'b@3x.png', 'nested', 'notes.txt']);
    expect(await readdir(join(dir, 'folder', 'nested'))).toEqual(['deep.png']);
  });

  it('fails with exit 1 naming the file that is not an image, after doing the others', async () => {
    const run = await tsdsr('upscale', 'text.png', 'in.png', '-o', 'mixed', '--device', 'cpu');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('text.png: not a PNG, JPEG or WebP image (not_an_image)');
    expect((await stat(join(dir, 'mixed', 'in@4x.png'))).isFile()).toBe(true);
  });

  const usageErrors: [string, string[], string][] = [
    ['no inputs', ['upscale'], 'no input files'],
    ['a bad scale', ['upscale', 'in.png', '--scale', '9'], '--scale 9'],
    ['an unknown option', ['upscale', 'in.png', '--sharpen'], "Unknown option '--sharpen'"],
    ['a file -o for several inputs', ['upscale', 'in.png', 'second.png', '-o', 'out.png'], 'need a directory'],
    ['a folder with no image', ['upscale', 'results-only'], 'results-only: a folder with no PNG, JPEG or WebP image in it (only earlier results'],
    ['a file -o for a folder', ['upscale', 'folder', '-o', 'in.png'], 'a folder input needs a directory'],
    ['a new file name -o for several inputs', ['upscale', 'in.png', 'second.png', '-o', 'never-made.webp'], '-o never-made.webp is a file name, but several inputs need a directory'],
    ['an output name of no image format', ['upscale', 'in.png', '-o', 'out.gif'], 'use a name ending in .png, .jpg or .webp'],
    ['an unknown format', ['upscale', 'in.png', '--format', 'tiff'], '--format tiff: use png, jpeg (or jpg) or webp'],
    ['a format the -o name contradicts', ['upscale', 'in.png', '-o', 'out.png', '--format', 'webp'], 'names a PNG file but --format is webp'],
    ['a quality for PNG', ['upscale', 'in.png', '--quality', '80'], '--quality applies to jpeg and webp'],
    ['a quality out of range', ['upscale', 'in.png', '--format', 'jpg', '--quality', '101'], '--quality 101: use a whole number from 1 to 100'],
    ['an unknown model', ['upscale', 'in.png', '--model', 'nope'], 'tsdsr models list'],
    ['an unknown device', ['upscale', 'in.png', '--device', 'tpu'], 'auto, cpu, webgpu, cuda'],
    ['an unknown command', ['enhance'], "unknown command 'enhance'"],
    ['no command', [], 'Usage: tsdsr <command>'],
    ['a bad port', ['serve', '--port', 'http'], '--port http'],
  ];
  for (const [name, args, hint] of usageErrors) {
    it.concurrent(`exits 2 on ${name}`, async () => {
      const run = await tsdsr(...args);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(hint);
    });
  }
});

describe('tsdsr token, models, help', () => {
  it('prints the token, creating it with mode 0600, and the same one afterwards', async () => {
    const first = await tsdsr('token');
    expect(first.code).toBe(0);
    const token = first.stdout.trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await stat(join(dir, 'token'))).mode & 0o777).toBe(0o600);
    expect((await tsdsr('token')).stdout.trim()).toBe(token);
    expect((await tsdsr('token', '--path')).stdout.trim()).toBe(join(dir, 'token'));
  });

  it('lists models and prints version and help', async () => {
    const models = await tsdsr('models', 'list');
    expect(models.code).toBe(0);
    const [, first, second] = models.stdout.split('\n');
    expect(first).toMatch(/^tsdsr-auto\s+2x 3x 4x/);
    expect(second).toMatch(/^bicubic\s+2x 3x 4x/);
    const version = JSON.parse(await readFile(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')).version;
    expect((await tsdsr('--version')).stdout.trim()).toBe(version);
    const help = await tsdsr('upscale', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('<name>@<scale>x.png');
  });
});

describe('tsdsr serve', () => {
  it('prints its URL and token location, serves health, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--device', 'cpu'], { env: { ...process.env, TSDSR_CONFIG_DIR: dir } });
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        // the announcement may arrive in several chunks: wait for its last line, the token's location
        if (match && stderr.includes(join(dir, 'token'))) resolve(match[1]!);
      });
      child.once('exit', () => reject(new Error(`serve exited early: ${stderr}`)));
    });
    expect(stderr).toContain(join(dir, 'token'));
    const health = await (await fetch(`${url}/v1/health`)).json();
    expect(health).toMatchObject({ status: 'ok', protocol: 1 });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
