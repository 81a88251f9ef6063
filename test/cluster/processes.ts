import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A free TCP port on 127.0.0.1 (released before returning, so a tiny race remains). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error('could not allocate a port'));
        return;
      }
      const port = addr.port;
      srv.close(() => resolvePort(port));
    });
  });
}

const live = new Set<ManagedProcess>();
// Children are detached (see the constructor), so they would outlive us if we
// exited without stop(); 'exit' handlers run on process.exit and normal exit.
process.on('exit', () => {
  for (const p of live) p.killNow();
});

/**
 * One child process started by the harness, with its output in a log file.
 * Only processes created through this class are ever signalled by the harness.
 */
export class ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  private readonly child: ChildProcess;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;

  constructor(name: string, command: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = process.env) {
    this.name = name;
    this.logFile = logFile;
    const out = createWriteStream(logFile, { flags: 'a' });
    out.write(`$ ${command} ${args.join(' ')}\n`);
    // Own process group: a terminal Ctrl-C reaches only our process, which then
    // stops components in order (clients before the apiserver before etcd).
    this.child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env, detached: true });
    live.add(this);
    this.child.stdout?.pipe(out, { end: false });
    this.child.stderr?.pipe(out, { end: false });
    this.exited = new Promise((resolveExit) => {
      this.child.on('exit', (code, signal) => {
        live.delete(this);
        this.exitInfo = { code, signal };
        resolveExit();
      });
      this.child.on('error', (err) => {
        live.delete(this);
        out.write(`spawn error: ${err.message}\n`);
        this.exitInfo = { code: null, signal: null };
        resolveExit();
      });
    });
    void this.exited.then(() => out.end());
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** Throws with the log tail when the process has exited; used while waiting for readiness. */
  assertRunning(): void {
    if (this.exitInfo !== undefined) {
      throw new Error(
        `${this.name} exited (code ${String(this.exitInfo.code)}, signal ${String(this.exitInfo.signal)}); log ${this.logFile}:\n${tail(this.logFile, 40)}`,
      );
    }
  }

  /** Last resort at process exit: no graceful shutdown possible any more. */
  killNow(): void {
    if (this.exitInfo === undefined) this.child.kill('SIGKILL');
  }

  async stop(graceMs = 10_000): Promise<void> {
    if (this.exitInfo !== undefined) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

export function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export interface ProbeOptions {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Accept any server certificate; only for probing components whose serving cert we did not issue. */
  insecure?: boolean;
}

/** GET a URL, resolving to the status code (0 on connection error). */
export function probe(url: string, opts: ProbeOptions = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolveProbe) => {
    const u = new URL(url);
    const done = (status: number, body: string): void => resolveProbe({ status, body });
    const onResponse = (res: import('node:http').IncomingMessage): void => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => done(res.statusCode ?? 0, body));
      res.on('error', () => done(0, body));
    };
    const req =
      u.protocol === 'https:'
        ? httpsRequest(u, { method: 'GET', ca: opts.ca, cert: opts.cert, key: opts.key, rejectUnauthorized: opts.insecure !== true, timeout: 5000 }, onResponse)
        : httpRequest(u, { method: 'GET', timeout: 5000 }, onResponse);
    req.on('error', (e) => done(0, e.message));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

/** Polls `check` until it returns true; fails fast if a watched process dies. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs: number; intervalMs?: number; processes?: ManagedProcess[] },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    for (const p of opts.processes ?? []) p.assertRunning();
    if (await check()) return;
    if (Date.now() > deadline) {
      const logs = (opts.processes ?? []).map((p) => `--- ${p.name} (${p.logFile}):\n${tail(p.logFile, 30)}`).join('\n');
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}\n${logs}`);
    }
    await sleep(opts.intervalMs ?? 250);
  }
}
