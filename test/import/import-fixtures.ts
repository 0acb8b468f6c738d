// The tiny synthetic download (made by test/fixtures/sd3/make_fixtures.py) and a byte-for-byte snapshot of a model folder.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/sd3/${name}`, import.meta.url));

/** SD3 in diffusers layout, TSD-SR's LoRA and prompt embeddings, all tiny. */
export const TINY_SOURCES = { sd3: fixture('tiny-sd3'), lora: fixture('tiny-tsdsr'), embeds: fixture('tiny-tsdsr') };

/** Every file of a folder (not recursive) by name, with its bytes. */
export function folderBytes(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(dir).sort().map((name) => [name, readFileSync(join(dir, name))]));
}

/** The names whose bytes differ between two snapshots, or that only one holds (empty when they are the same). */
export function differingFiles(actual: Map<string, Buffer>, expected: Map<string, Buffer>): string[] {
  const names = [...new Set([...actual.keys(), ...expected.keys()])].sort();
  return names.filter((name) => !(actual.get(name)?.equals(expected.get(name) ?? Buffer.alloc(0)) && expected.has(name)));
}
