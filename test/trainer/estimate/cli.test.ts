// `npm run train:estimate -- --help` prints its options; an unknown option is refused with a pointer to --help.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../../../trainer/src/estimate/train-estimate.ts', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { encoding: 'utf8' });

describe('train:estimate command line', () => {
  it('prints its usage on --help and trains nothing', () => {
    const { status, stdout } = run('--help');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^Usage: npm run train:estimate -- \[options\]/);
    for (const option of ['--task', '--data', '--steps', '--batch', '--lr', '--seed', '--photo-crops', '--graphics', '--text', '--smooth', '--cache', '--out', '--report']) {
      expect(stdout).toContain(`  ${option} `);
    }
    expect(stdout).not.toMatch(/patches:/);
  });

  it('refuses an unknown option and names it', () => {
    const { status, stderr } = run('--stepz', '10');
    expect(status).toBe(1);
    expect(stderr).toMatch(/--stepz/);
    expect(stderr).toMatch(/--help/);
  });
});
