/**
 * Opt-in check (`npm run check:color-fix`, needs Debian's python3-torch): the runtime's wavelet and
 * AdaIN colour fixes against the same definitions computed with PyTorch's dilated conv2d.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adainColorFix, waveletColorFix, type Planes } from '../../models/runtime/color-fix.ts';

const python = process.env.TORCH_PYTHON ?? '/usr/bin/python3';
const dir = mkdtempSync(join(tmpdir(), 'tsdsr-colorfix-'));
let failed = 0;
console.log('| shape | method | max abs error | tolerance |');
console.log('|---|---|---|---|');
for (const [height, width] of [[17, 23], [64, 48], [96, 130]] as const) {
  let seed = height * 31 + width;
  const random = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const n = 3 * height * width;
  const content: Planes = { data: Float32Array.from({ length: n }, random), channels: 3, height, width };
  const reference: Planes = { ...content, data: Float32Array.from({ length: n }, () => random() * 0.5 + 0.2) };
  const input = new Float32Array(2 * n);
  input.set(content.data);
  input.set(reference.data, n);
  writeFileSync(join(dir, 'in.f32'), input);
  const meta = { path: join(dir, 'in.f32'), out: join(dir, 'out.f32'), channels: 3, height, width };
  execFileSync(python, [join(import.meta.dirname, 'color_fix_reference.py'), JSON.stringify(meta)]);
  const torchOut = new Float32Array(readFileSync(meta.out).buffer.slice(0));
  const ours = { wavelet: waveletColorFix(content, reference), adain: adainColorFix(content, reference) };
  for (const [method, values, offset] of [['wavelet', ours.wavelet, 0], ['adain', ours.adain, n]] as const) {
    let max = 0;
    for (let i = 0; i < n; i++) max = Math.max(max, Math.abs(values[i]! - torchOut[offset + i]!));
    const tolerance = 1e-5; // float32 sums of a few dozen terms of values ≤ 1
    if (max > tolerance) failed++;
    console.log(`| ${height}x${width} | ${method} | ${max.toExponential(2)} | ${tolerance} |`);
  }
}
console.log(failed === 0 ? 'colour fix matches PyTorch' : `${failed} comparison(s) out of tolerance`);
process.exitCode = failed === 0 ? 0 : 1;
