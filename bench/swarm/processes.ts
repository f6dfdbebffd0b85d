import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import { spawnGroup, type GroupProcess } from '../../test/helpers/process-group.js';
import { cpuTimes } from '../lib/cpu.js';

const execFileP = promisify(execFile);

/** A process the benchmark started, its output in a log file. */
export interface Started extends GroupProcess {
  readonly log: string;
  /** The log so far. */
  output(): string;
  /** Resolves with the first match of `pattern` in the log; rejects on exit or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

/** Start `argv` in its own process group (stopped as a group), output to `log`. */
export function start(argv: string[], log: string, env: NodeJS.ProcessEnv = process.env): Started {
  // the log is appended to (a kept folder's next run): read only what this process wrote
  let from = 0;
  try {
    from = statSync(log).size;
  } catch {
    // a new log
  }
  const proc = spawnGroup(argv[0]!, argv.slice(1), log, env);
  let exited = false;
  proc.child.once('exit', () => (exited = true));
  const output = () => {
    try {
      return readFileSync(log).subarray(from).toString('utf8');
    } catch {
      return '';
    }
  };
  return Object.assign(proc, {
    log,
    output,
    async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
      for (const deadline = Date.now() + timeoutMs; ; ) {
        const m = pattern.exec(output());
        if (m) return m;
        if (exited) throw new Error(`${argv.join(' ')} exited before printing ${pattern}:\n${output().slice(-2000)}`);
        if (Date.now() > deadline) throw new Error(`${argv.join(' ')} did not print ${pattern} within ${timeoutMs} ms:\n${output().slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  });
}

/** Run a command to its end; its stdout. */
export async function runCommand(argv: string[], timeoutMs = 600_000): Promise<string> {
  const { stdout } = await execFileP(argv[0]!, argv.slice(1), { maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs, encoding: 'utf8' });
  return stdout;
}

/** CPU seconds (user + system) and peak resident set of a live process, from /proc. */
export interface ProcUsage {
  cpuS: number;
  /** The kernel's share of cpuS (TCP, veth and bridge work done on the process's behalf). */
  sysS: number;
  peakRssMb: number;
}

/** Read a live process's usage; zeros when it is gone. */
export function procUsage(pid: number): ProcUsage {
  try {
    const { userS, sysS } = cpuTimes(pid);
    const cpuS = userS + sysS;
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { cpuS, sysS, peakRssMb: hwm ? (Number(hwm[1]) * 1024) / 1e6 : 0 };
  } catch {
    return { cpuS: 0, sysS: 0, peakRssMb: 0 };
  }
}
