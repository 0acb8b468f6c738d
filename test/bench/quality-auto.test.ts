// bench/quality.ts with an auto model: every score says which model the auto model ran on that input, and the
// per-image choices add up to the counts it prints.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
let out: string;
afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

describe('bench/quality.ts with tsdsr-auto', () => {
  it('records the chosen model of every input in quality.json', async () => {
    out = await mkdtemp(join(tmpdir(), 'tsdsr-quality-auto-'));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/quality.ts', '--val', 'synthetic', '--models', 'bicubic,auto', '--crop', '0', '--sheets', '0', '--out', out], { cwd: ROOT, maxBuffer: 1 << 24 });
    const json = JSON.parse(await readFile(join(out, 'quality.json'), 'utf8')) as { images: { scores: Record<string, Record<string, { chose?: string }>> }[] };
    const manifest = JSON.parse(await readFile(join(ROOT, 'models', 'zoo', 'auto', 'model.json'), 'utf8')) as { choose: Record<string, string> };
    const chosen = json.images.flatMap((im) => Object.values(im.scores).map((byMethod) => byMethod['tsdsr-auto']?.chose));
    expect(chosen.length).toBeGreaterThanOrEqual(8); // 4 images × 2 degradations
    for (const c of chosen) expect(Object.values(manifest.choose)).toContain(c);
    expect(json.images.every((im) => Object.values(im.scores).every((byMethod) => byMethod.bicubic!.chose === undefined))).toBe(true);
    // the printed counts are the per-input choices counted
    const counts = new Map<string, number>();
    for (const c of chosen) counts.set(c!, (counts.get(c!) ?? 0) + 1);
    const line = stdout.split('\n').find((l) => l.startsWith('tsdsr-auto chose '));
    const printed = new Map([...(line ?? '').matchAll(/([\w-]+) (\d+)×/g)].map((m) => [m[1]!, Number(m[2])]));
    expect(printed).toEqual(counts);
  }, 180_000);
});
