/**
 * The bridge under load, as its own process: `tsdsr serve --port 0` with a fresh config folder (so a fresh token),
 * its resident memory sampled from /proc, and plain HTTP calls to it over loopback.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TSDSR_BIN = fileURLToPath(new URL('../../bridge-server/bin/tsdsr.js', import.meta.url));
const STARTUP_TIMEOUT_MS = 60_000;
/** How long SIGTERM may take (the bridge drains its jobs) before the bench kills it. */
const STOP_TIMEOUT_MS = 15_000;

/** An HTTP answer. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A running bridge process. */
export class BridgeProcess {
  /** The last lines the bridge wrote to stderr, for reports when something breaks. */
  readonly logTail: string[] = [];
  #peakRssMiB = 0;
  /** Jobs the bridge logged as cancelled because their client disconnected. */
  cancelledOnDisconnect = 0;
  #sampler: NodeJS.Timeout | undefined;
  #partialLine = '';

  private constructor(private readonly child: ChildProcess, private readonly configDir: string, readonly port: number, readonly token: string) {}

  /** Starts `tsdsr serve` on a free loopback port and reads its port and token. */
  static async start(extraArgs: readonly string[] = []): Promise<BridgeProcess> {
    const configDir = await mkdtemp(join(tmpdir(), 'tsdsr-load-'));
    const child = spawn(process.execPath, [TSDSR_BIN, 'serve', '--port', '0', ...extraArgs], {
      env: { ...process.env, TSDSR_CONFIG_DIR: configDir },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const logTail: string[] = [];
    const announced = new Promise<{ port: number; tokenPath: string }>((resolve, reject) => {
      let port: number | undefined;
      let buffered = '';
      const timer = setTimeout(() => reject(new Error(`the bridge did not start within ${STARTUP_TIMEOUT_MS} ms:\n${logTail.join('\n')}`)), STARTUP_TIMEOUT_MS);
      child.stderr!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) {
          logTail.push(line);
          if (logTail.length > 40) logTail.shift();
          port ??= Number(/listening on http:\/\/[^ ]+:(\d+)/.exec(line)?.[1]) || undefined;
          const tokenPath = /pairing token (?:created in|in) (.+); run/.exec(line)?.[1];
          if (port && tokenPath) {
            clearTimeout(timer);
            resolve({ port, tokenPath });
          }
        }
      });
      child.once('exit', (code) => reject(new Error(`the bridge exited (${code}) before listening:\n${logTail.join('\n')}`)));
    });
    const { port, tokenPath } = await announced;
    const token = (await readFile(tokenPath, 'utf8')).trim();
    const bridge = new BridgeProcess(child, configDir, port, token);
    bridge.logTail.push(...logTail);
    child.stderr!.on('data', (chunk: Buffer) => bridge.#onLogLines(chunk.toString('utf8')));
    bridge.#sampler = setInterval(() => bridge.#sample(), 100);
    return bridge;
  }

  /** The process id (its memory is what the bench reports). */
  get pid(): number {
    return this.child.pid!;
  }

  /** True while the process runs. */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** A field of /proc/<pid>/status in MiB (VmRSS now, VmHWM the peak so far); undefined where /proc is missing. */
  memoryMiB(field: 'VmRSS' | 'VmHWM'): number | undefined {
    try {
      const kib = Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'))?.[1]);
      return Number.isFinite(kib) ? Math.round(kib / 1024) : undefined;
    } catch {
      return undefined;
    }
  }

  /** The highest RSS sampled (every 100 ms) since the last call, in MiB; starts a new window. */
  takePeakRssMiB(): number | undefined {
    this.#sample();
    const peak = this.#peakRssMiB;
    this.#peakRssMiB = 0;
    return peak > 0 ? peak : undefined;
  }

  #sample(): void {
    this.#peakRssMiB = Math.max(this.#peakRssMiB, this.memoryMiB('VmRSS') ?? 0);
  }

  #onLogLines(text: string): void {
    const lines = (this.#partialLine + text).split('\n');
    this.#partialLine = lines.pop()!;
    for (const line of lines) this.cancelledOnDisconnect += Number(/disconnected; cancelled (\d+) job/.exec(line)?.[1] ?? 0);
    this.logTail.push(...lines);
    this.logTail.splice(0, Math.max(0, this.logTail.length - 40));
  }

  /** The WebSocket URL (127.0.0.1, so the Host header is a loopback name). */
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/v1/ws`;
  }

  /** One HTTP request over loopback with the token, no Origin header; the body, if any, as a PNG. */
  http(method: 'GET' | 'POST', path: string, body?: Buffer, timeoutMs = 60_000): Promise<HttpAnswer> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (body) Object.assign(headers, { 'content-type': 'image/png', 'content-length': String(body.length) });
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: this.port, method, path, headers, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Kills the process at once (the bench's last resort); the config folder stays in the temp dir. */
  kill(): void {
    clearInterval(this.#sampler);
    if (this.alive) this.child.kill('SIGKILL');
  }

  /** SIGTERM, then waits for the exit (SIGKILL after the drain timeout); removes the config folder. Returns how it ended. */
  async stop(): Promise<{ exit: string; stopMs: number }> {
    clearInterval(this.#sampler);
    const t0 = performance.now();
    let exit = `already exited (${this.child.exitCode ?? this.child.signalCode})`;
    if (this.alive) {
      const exited = new Promise<string>((resolve) => this.child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`)));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      exit = await exited;
      clearTimeout(timer);
    }
    await rm(this.configDir, { recursive: true, force: true });
    return { exit, stopMs: Math.round(performance.now() - t0) };
  }
}
