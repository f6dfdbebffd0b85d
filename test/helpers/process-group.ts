import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

/** A daemon the tests started in its own process group, so that it and its forks stop together. */
export interface GroupProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Stops the whole group: SIGTERM, then SIGKILL if it is still there after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<number>();
let exitHookInstalled = false;

// Daemons such as Swift's call setsid(); killing the group we made catches their workers,
// and the exit hook stops them even when a test run dies without its afterAll.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const pid of running) killGroup(pid, 'SIGKILL');
  });
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try { process.kill(pid, signal); } catch { /* already gone */ }
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts `command` detached (a new process group), its output appended to `logFile`. */
export function spawnGroup(command: string, args: string[], logFile: string, env?: NodeJS.ProcessEnv): GroupProcess {
  installExitHook();
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd], env: env ?? process.env });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  running.add(pid);
  child.unref();
  return {
    pid,
    child,
    async stop(graceMs = 3000): Promise<void> {
      if (!running.has(pid)) return;
      killGroup(pid, 'SIGTERM');
      const deadline = Date.now() + graceMs;
      while (groupAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      if (groupAlive(pid)) killGroup(pid, 'SIGKILL');
      while (groupAlive(pid)) await new Promise((r) => setTimeout(r, 10));
      running.delete(pid);
    },
  };
}

const WATCHDOG = `parent=$1; dir=$2; shift 2
while kill -0 "$parent" 2>/dev/null; do sleep 1; done
for p in "$@"; do kill -KILL -- "-$p" 2>/dev/null; done
if [ -n "$dir" ]; then rm -rf -- "$dir"; fi`;

/**
 * Kills the groups and removes `dir` if this Node process dies without cleaning up
 * (a test worker killed on timeout runs no exit hooks). Stop the returned process on normal cleanup.
 */
export function watchdog(groups: GroupProcess[], dir: string): GroupProcess {
  // bash, not dash: dash's kill cannot signal a process group.
  return spawnGroup('/bin/bash', ['-c', WATCHDOG, 'watchdog', String(process.pid), dir, ...groups.map((g) => String(g.pid))], '/dev/null');
}
