// Child process of sigkill.test.ts: saves checkpoint version v, then exports model version v, for v = 1, 2, ...
// (continuing after the checkpoint it finds), printing each v once both are written, until it is killed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKPOINT_FILES, readCheckpointMeta, saveCheckpoint } from '../../trainer/src/loop/checkpoint.ts';
import { versionedCheckpoint, writeVersionedModel } from './fixtures.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: write-loop.ts <dir>');
const [checkpoint, model] = [join(dir, 'checkpoint'), join(dir, 'model')];
let v = existsSync(join(checkpoint, CHECKPOINT_FILES.meta)) ? (await readCheckpointMeta(checkpoint)).step + 1 : 1;
for (;; v++) {
  const { sessions, meta } = versionedCheckpoint(v);
  await saveCheckpoint(checkpoint, sessions, meta);
  await writeVersionedModel(model, v);
  process.stdout.write(`${v}\n`);
}
