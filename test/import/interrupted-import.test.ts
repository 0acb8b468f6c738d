// `tsdsr models import` writes --out as a whole: a failure or a SIGKILL part-way leaves the earlier import there byte
// for byte (or no folder at all on a first import), its unfinished temporary folder is hidden, the bridge does not list
// it, and the next import removes it. An --out holding other files is refused before any work.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportError, importTsdsr } from '../../models/import/index.ts';
import { parseTemporaryName, previousPathFor, recoverDirectory } from '../../models/io/index.ts';
import { main } from '../../bridge-server/src/cli/main.ts';
import { ModelRegistry } from '../../bridge-server/src/registry.ts';
import { nodeRuntime } from '../../bridge-server/src/runtime.ts';
import { Rng } from '../../trainer/src/data/index.ts';
import { differingFiles, folderBytes, TINY_SOURCES } from './import-fixtures.ts';

const CHILD = fileURLToPath(new URL('./import-until-killed.ts', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'tsdsr-import-atomic-'));
afterAll(() => rm(root, { recursive: true, force: true }));
const temp = (): string => mkdtempSync(join(root, 'case-'));
const injectAt = (line: string) => (message: string): void => {
  if (message === line) throw new Error(`injected failure at "${line}"`);
};

/** The earlier import every test starts from: float32 weights with external data, so a float16 re-import differs in every file. */
async function earlierImport(): Promise<{ base: string; out: string; before: Map<string, Buffer> }> {
  const base = temp();
  const out = join(base, 'tsdsr');
  await importTsdsr(TINY_SOURCES, { out, externalData: 'always' });
  return { base, out, before: folderBytes(out) };
}

describe('an import that fails part-way', () => {
  it.each(['writing decoder.onnx', 'writing denoiser.onnx'])('leaves the earlier import byte for byte and no partial folder (failure at "%s")', async (line) => {
    const { base, out, before } = await earlierImport();
    await expect(importTsdsr(TINY_SOURCES, { out, fp16: true, log: injectAt(line) })).rejects.toThrow(/injected failure/);
    expect(differingFiles(folderBytes(out), before)).toEqual([]);
    expect(readdirSync(base)).toEqual(['tsdsr']);
  });

  it('leaves nothing when it was the first import', async () => {
    const base = temp();
    await expect(importTsdsr(TINY_SOURCES, { out: join(base, 'tsdsr'), log: injectAt('writing denoiser.onnx') })).rejects.toThrow(/injected failure/);
    expect(readdirSync(base)).toEqual([]);
  });

  it('replaces an earlier import whole once complete: files the new one does not write are gone', async () => {
    const { base, out, before } = await earlierImport();
    expect([...before.keys()]).toContain('denoiser.onnx.data');
    await importTsdsr(TINY_SOURCES, { out, externalData: 'never' });
    expect(readdirSync(out).sort()).toEqual(['decoder.onnx', 'denoiser.onnx', 'encoder.onnx', 'model.json']);
    expect(readdirSync(base)).toEqual(['tsdsr']);
  });

  it('refuses an --out holding other files before any work, and leaves them', async () => {
    const base = temp();
    const out = join(base, 'downloads');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'keep me');
    const log: string[] = [];
    const imported = importTsdsr(TINY_SOURCES, { out, log: (m) => log.push(m) });
    await expect(imported).rejects.toThrow(ImportError);
    await expect(imported).rejects.toThrow(/holds notes\.txt, not only a model's files/);
    expect(log).toEqual([]);
    const errors: string[] = [];
    const args = ['models', 'import', '--sd3', TINY_SOURCES.sd3, '--lora', TINY_SOURCES.lora, '--embeds', TINY_SOURCES.embeds, '--out', out];
    expect(await main(args, { out: () => {}, err: (s) => errors.push(s), env: process.env, stderr: process.stderr })).toBe(1);
    expect(errors.join('\n')).toMatch(/^tsdsr models: --out .*downloads holds notes\.txt/);
    expect(readdirSync(base)).toEqual(['downloads']);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('keep me');
  });
});

/** Starts an import in a child process into `out` and SIGKILLs it at `holdAt` (stopped there) or `delayMs` after its first graph began. */
async function killImport(out: string, kill: { holdAt: string } | { delayMs: number }): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, out, ...('holdAt' in kill ? [kill.holdAt] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  let [stdout, stderr] = ['', ''];
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const awaited = 'holdAt' in kill ? kill.holdAt : 'writing encoder.onnx';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.split('\n').includes(awaited)) resolve();
    });
    void exited.then(() => reject(new Error(`the import exited before "${awaited}": ${stderr}`)));
  });
  if ('delayMs' in kill) await sleep(kill.delayMs);
  child.kill('SIGKILL');
  expect(await exited, stderr).toBe('SIGKILL');
}

describe('an import killed part-way (SIGKILL)', () => {
  let base: string;
  let out: string;
  let before: Map<string, Buffer>;
  let after: Map<string, Buffer>;
  beforeAll(async () => {
    ({ base, out, before } = await earlierImport());
    const reference = join(temp(), 'tsdsr');
    await importTsdsr(TINY_SOURCES, { out: reference, fp16: true });
    after = folderBytes(reference);
  });

  /** Which whole import a folder holds, the earlier one or the float16 one the child writes (model.json equal but for its time), else fails. */
  function wholeImport(dir: string): 'earlier' | 'new' {
    const files = folderBytes(dir);
    if ([...files.keys()].join() === [...before.keys()].join()) {
      expect(differingFiles(files, before)).toEqual([]);
      return 'earlier';
    }
    const withoutTime = (bytes: Buffer | undefined): unknown => {
      const manifest = JSON.parse(String(bytes)) as { provenance: Record<string, unknown> };
      return { ...manifest, provenance: { ...manifest.provenance, importedAt: 'any' } };
    };
    expect([...files.keys()]).toEqual([...after.keys()]);
    for (const [name, bytes] of after) {
      if (name === 'model.json') expect(withoutTime(files.get(name))).toEqual(withoutTime(bytes));
      else expect(files.get(name)!.equals(bytes), name).toBe(true);
    }
    return 'new';
  }

  /** Checks --out after a kill: a whole import (put back first when the kill fell between the swap's renames), the bridge listing only it. */
  async function checkAfterKill(): Promise<'earlier' | 'new'> {
    if (!existsSync(out)) {
      wholeImport(previousPathFor(out));
      expect(await recoverDirectory(out)).toMatch(/^restored /);
    }
    const state = wholeImport(out);
    // hidden leftovers only: unfinished temporaries, or the swap's backup of the earlier import when the kill fell after
    // the new one was renamed into place but before the backup was removed (the next import's recovery removes it)
    const backup = basename(previousPathFor(out));
    const leftovers = readdirSync(base).filter((name) => name !== 'tsdsr');
    expect(leftovers.every((name) => name === backup || (name.startsWith('.') && parseTemporaryName(name)?.target === 'tsdsr')), leftovers.join()).toBe(true);
    const registry = await ModelRegistry.scan([base], nodeRuntime);
    expect(registry.list().map((entry) => entry.dir)).toEqual([out]);
    return state;
  }

  it('leaves a whole import at --out, hidden leftovers the bridge does not list, and the next import clears them', async () => {
    const delays = new Rng(14);
    let state: 'earlier' | 'new' = 'earlier';
    for (let kill = 0; kill < 2; kill++) { // somewhere in the writes, the swap, or (rarely) after the import finished
      await killImport(out, { delayMs: delays.int(0, 120) });
      state = await checkAfterKill();
    }
    await killImport(out, { holdAt: 'writing denoiser.onnx' }); // two graphs written into the temporary folder
    expect(await checkAfterKill()).toBe(state);
    if (state === 'earlier') expect(differingFiles(folderBytes(out), before)).toEqual([]);
    expect(readdirSync(base).filter((name) => name.endsWith('.partial'))).toHaveLength(1);
    const log: string[] = [];
    await importTsdsr(TINY_SOURCES, { out, externalData: 'always', log: (m) => log.push(m) });
    expect(log[0]).toMatch(/^cleaned up after an earlier import that stopped part-way: removed unfinished \.tsdsr\.\d+\.[0-9a-f]{8}\.partial$/);
    expect(readdirSync(base)).toEqual(['tsdsr']);
  }, 30_000);
});
