/** Writes the baseline model directories under models/zoo/ (`npm run models:build`). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baselineFiles } from './baselines.ts';

const zooDir = dirname(fileURLToPath(import.meta.url));
for (const file of baselineFiles()) {
  const target = join(zooDir, file.path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, file.bytes);
  console.log(`wrote models/zoo/${file.path} (${file.bytes.length} bytes)`);
}
