// bench/results.ts: a bench's JSON is written into folders that do not exist yet, and each save replaces the last.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RESULTS_DIR, writeResults } from '../../bench/results.ts';

describe('bench results', () => {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('creates missing folders and replaces the previous save whole, leaving no temp file', () => {
    const root = mkdtempSync(join(tmpdir(), 'tsdsr-bench-results-'));
    made.push(root);
    const path = join(root, 'fresh', 'clone', 'rows.json');
    writeResults(path, { rows: [1] });
    writeResults(path, { rows: [1, 2] });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ rows: [1, 2] });
    expect(readdirSync(join(root, 'fresh', 'clone'))).toEqual(['rows.json']);
  });

  it('keeps results inside the project, under bench/results', () => {
    expect(RESULTS_DIR.replaceAll('\\', '/')).toMatch(/\/bench\/results\/$/);
  });
});
