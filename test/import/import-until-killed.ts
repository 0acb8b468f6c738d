// Child process of interrupted-import.test.ts: imports the tiny fixtures into argv[2] as float16, printing each log line.
// With argv[3] it stops once it has logged that line (blocked, as a hung process would be), and it never exits by
// itself, so the test's SIGKILL always lands on a live process.
import { writeSync } from 'node:fs';
import { importTsdsr } from '../../models/import/index.ts';
import { TINY_SOURCES } from './import-fixtures.ts';

const [out, holdAt] = process.argv.slice(2);
if (!out) throw new Error('usage: import-until-killed.ts <out> [log line to stop at]');
const stopForever = (): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
await importTsdsr(TINY_SOURCES, {
  out,
  fp16: true,
  log: (message) => {
    writeSync(1, `${message}\n`);
    if (message === holdAt) stopForever();
  },
});
writeSync(1, 'done\n');
setInterval(() => {}, 60_000);
