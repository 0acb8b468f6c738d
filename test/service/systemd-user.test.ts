// End to end with a real systemd user manager: install, SIGKILL the bridge, see systemd restart it, uninstall.
// Skipped, with the reason in the test's name, where no user manager runs (a container or VM not booted with systemd).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serviceCommand } from '../../bridge-server/src/cli/service.ts';

const UNIT_FILE = join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'systemd', 'user', 'tsdsr.service');

/** Why the test cannot run here, or null when it can. */
function whyNot(): string | null {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  const probe = spawnSync('systemctl', ['--user', 'show-environment'], { encoding: 'utf8' });
  if (probe.error) return `no systemctl (${probe.error.message})`;
  if (probe.status !== 0) {
    const booted = existsSync('/run/systemd/system') ? '' : '; this system was not booted with systemd (no /run/systemd/system), so `systemd --user` refuses to start';
    return `no systemd user manager: \`systemctl --user show-environment\` says "${(probe.stderr || probe.stdout).trim()}"${booted}`;
  }
  if (existsSync(UNIT_FILE)) return `${UNIT_FILE} exists already (a real installation is left alone)`;
  return null;
}

const reason = whyNot();
const systemctl = (...args: string[]): string => spawnSync('systemctl', ['--user', ...args], { encoding: 'utf8' }).stdout.trim();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, tries = 300): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(100);
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('systemd user unit, end to end', () => {
  it.skipIf(reason !== null)(`installs, restarts the bridge after SIGKILL, uninstalls${reason ? ` — skipped: ${reason}` : ''}`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tsdsr-systemd-'));
    const port = 20000 + (process.pid % 10000);
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l), stderr: process.stderr, env: { ...process.env, TSDSR_CONFIG_DIR: join(dir, 'config') } };
    const health = (): Promise<unknown> => fetch(`http://127.0.0.1:${port}/v1/health`).then((r) => (r.ok ? r.json() : undefined), () => undefined);
    try {
      expect(await serviceCommand(['install', '--port', String(port), '--device', 'cpu'], io), lines.join('\n')).toBe(0);
      await waitFor('the bridge to answer', health);
      const first = await waitFor('a main pid', () => Number(systemctl('show', '-p', 'MainPID', '--value', 'tsdsr.service')) || undefined);
      process.kill(first, 'SIGKILL');
      const second = await waitFor('systemd to restart it', () => {
        const pid = Number(systemctl('show', '-p', 'MainPID', '--value', 'tsdsr.service'));
        return pid && pid !== first ? pid : undefined;
      });
      expect(second).not.toBe(first);
      expect(await waitFor('the restarted bridge to answer', health)).toMatchObject({ status: 'ok' });
    } finally {
      expect(await serviceCommand(['uninstall'], io), lines.join('\n')).toBe(0);
      await rm(dir, { recursive: true, force: true });
    }
    expect(existsSync(UNIT_FILE)).toBe(false);
    expect(systemctl('is-active', 'tsdsr.service')).not.toBe('active');
  });
});
