import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Path of the built executable (npm test builds dist/ before vitest runs). */
export const BIN = fileURLToPath(new URL('../../bin/glance-p2p.js', import.meta.url));

/** Run `glance-p2p …` to completion. */
export function runCli(args: string[], env: Record<string, string | undefined> = {}, cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, GLANCE_P2P_LOG_LEVEL: 'warn', ...env }, cwd, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A long-running `glance-p2p` server process, ready once `readyLine` appears on stdout. */
export interface CliServer {
  process: ChildProcess;
  stdout(): string;
  stop(): Promise<void>;
}

export function startCliServer(args: string[], readyLine: RegExp, env: Record<string, string | undefined> = {}, cwd?: string, timeoutMs = 30_000): Promise<CliServer> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, GLANCE_P2P_LOG_LEVEL: 'warn', ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const server: CliServer = {
    process: child,
    stdout: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not print ${readyLine} within ${timeoutMs} ms\nstdout: ${out}\nstderr: ${err}`));
    }, timeoutMs);
    child.stdout.on('data', () => {
      if (readyLine.test(out)) {
        clearTimeout(timer);
        resolve(server);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}\nstdout: ${out}\nstderr: ${err}`));
    });
  });
}
