// The pairing token: created once with mode 0600 in the config dir, reused after, compared in constant time.
import { stat, writeFile, chmod, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearerToken, loadOrCreateToken, tokensMatch } from '../../bridge-server/src/auth/token.ts';
import { buildApp } from '../../bridge-server/src/app.ts';
import { configDir, tokenPath } from '../../bridge-server/src/paths.ts';
import { tempConfigDir } from './helpers.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempConfigDir()));
afterEach(() => cleanup());

describe('pairing token', () => {
  it('follows TSDSR_CONFIG_DIR, then XDG_CONFIG_HOME, then ~/.config', () => {
    expect(configDir()).toBe(dir);
    expect(configDir({ XDG_CONFIG_HOME: '/x' })).toBe(join('/x', 'tsdsr'));
    expect(configDir({ HOME: process.env.HOME })).toMatch(/\.config[/\\]tsdsr$/);
  });

  it('is created on first start as 32 random bytes in base64url, in a file with mode 0600', async () => {
    const app = await buildApp({ device: 'cpu', modelRoots: [] });
    await app.close();
    const path = tokenPath(dir);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const token = (await readFile(path, 'utf8')).trim();
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(await loadOrCreateToken(path)).toEqual({ token, path, created: false });
  });

  it('tightens a token file others can read, and replaces one that holds no token', async () => {
    const path = tokenPath(dir);
    const first = await loadOrCreateToken(path);
    await chmod(path, 0o644);
    const messages: string[] = [];
    expect((await loadOrCreateToken(path, (m) => messages.push(m))).token).toBe(first.token);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(messages.join()).toContain('0600');
    await writeFile(path, 'garbage');
    const replaced = await loadOrCreateToken(path, () => {});
    expect(replaced.created).toBe(true);
    expect(replaced.token).not.toBe(first.token);
  });

  it('matches only the exact token and reads Bearer headers', () => {
    expect(tokensMatch('abc', 'abc')).toBe(true);
    expect(tokensMatch('abd', 'abc')).toBe(false);
    expect(tokensMatch('abcd', 'abc')).toBe(false);
    expect(tokensMatch(undefined, 'abc')).toBe(false);
    expect(bearerToken('Bearer xyz')).toBe('xyz');
    expect(bearerToken('bearer   xyz ')).toBe('xyz');
    expect(bearerToken('Basic xyz')).toBeUndefined();
  });
});
