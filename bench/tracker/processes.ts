import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/glance-p2p.js', import.meta.url));

/** A `glance-p2p` server started by the benchmark. */
export interface CliProcess {
  child: ChildProcess;
  /** The first match of the ready pattern on stdout. */
  match: RegExpExecArray;
  stop(): Promise<void>;
}

/** Run `glance-p2p …` (the built CLI) until `ready` matches its stdout. */
export function startCli(args: string[], ready: RegExp, nodeArgs: string[] = []): Promise<CliProcess> {
  const child = spawn(process.execPath, [...nodeArgs, BIN, ...args], { env: { ...process.env, GLANCE_P2P_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] });
  process.once('exit', () => child.kill('SIGKILL'));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const match = ready.exec(out);
      if (match) resolve({ child, match, stop });
    });
    child.once('exit', (code) => reject(new Error(`glance-p2p ${args[0]} exited with ${code}: ${out}`)));
  });
}
