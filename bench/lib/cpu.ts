import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

// Linux reports CPU times in clock ticks; USER_HZ is 100 on every mainstream build.
const TICKS_PER_S = 100;

/** Fields of /proc/PID/stat after the command name (which may itself hold spaces and parentheses). */
function statFields(pid: number | string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** User and system CPU seconds a process has used so far, from /proc. */
export function cpuTimes(pid: number): { userS: number; sysS: number } {
  const f = statFields(pid);
  return { userS: Number(f[11]) / TICKS_PER_S, sysS: Number(f[12]) / TICKS_PER_S };
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  const { userS, sysS } = cpuTimes(pid);
  return userS + sysS;
}

/** Live processes in these process groups (a daemon and the workers it forked). */
export function groupPids(groups: readonly number[]): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (groups.includes(Number(statFields(entry)[2]))) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** CPU seconds used so far by every live process in these process groups. */
export function groupCpuSeconds(groups: readonly number[]): number {
  let total = 0;
  for (const pid of groupPids(groups)) {
    try {
      total += cpuSeconds(pid);
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** Restrict processes and all their threads to these CPUs (`taskset -a -p -c`), e.g. '0' or '0-1'. */
export function pinToCpus(pids: readonly number[], cpus: string): void {
  for (const pid of pids) execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}
