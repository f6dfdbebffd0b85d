import { execFileSync } from 'node:child_process';
import type { Place, Testbed } from './testbed.js';

/** Every namespace this benchmark makes starts with this, so leftovers of a crashed run can be found. */
export const NETNS_PREFIX = 'gpsb-';
const HUB = `${NETNS_PREFIX}hub`;
const ORIGIN = `${NETNS_PREFIX}origin`;
// A /16 that exists only on the bridge inside our hub namespace: the root namespace has no route to it.
const SUBNET = '10.201';

/** How to shape the testbed's links. */
export interface NetnsOptions {
  hosts: number;
  /** Upload and download rate of every host and of the origin, Mbit/s. */
  rateMbit: number;
  /** Delay added on each shaped egress, ms (two per one-way trip between two hosts). */
  delayMs: number;
}

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function tryIp(args: string[]): void {
  try {
    ip(args);
  } catch {
    /* already gone */
  }
}

/** Names of this benchmark's namespaces that exist now. */
export function ourNamespaces(): string[] {
  return ip(['netns', 'list'])
    .split('\n')
    .map((line) => line.split(' ')[0]!)
    .filter((name) => name.startsWith(NETNS_PREFIX));
}

/** Kill what still runs inside our namespaces (only processes we started can be there), then delete them. */
export function removeOurNamespaces(): string[] {
  const names = ourNamespaces();
  for (const name of names) {
    let pids: string[] = [];
    try {
      pids = ip(['netns', 'pids', name]).split('\n').filter(Boolean);
    } catch {
      /* namespace half made */
    }
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
  for (const name of names) tryIp(['netns', 'del', name]);
  return names;
}

/**
 * htb at `rate` on one egress, with a leaf queue under it: netem's delay where the
 * kernel has sch_netem, else a byte FIFO of about 20 ms at that rate (a switch-like
 * buffer; a packet-counted queue of 64 KB GSO packets would hold seconds). Returns
 * whether the delay was applied.
 */
function shape(ns: string, dev: string, rateMbit: number, delayMs: number): boolean {
  const tc = (args: string[]) => ip(['netns', 'exec', ns, 'tc', ...args]);
  ip(['-n', ns, 'link', 'set', dev, 'up']);
  tc(['qdisc', 'add', 'dev', dev, 'root', 'handle', '1:', 'htb', 'default', '10']);
  // burst of one GSO packet, so a 64 KB super-packet leaves whole instead of stalling the class
  tc(['class', 'add', 'dev', dev, 'parent', '1:', 'classid', '1:10', 'htb', 'rate', `${rateMbit}mbit`, 'ceil', `${rateMbit}mbit`, 'burst', '64k', 'cburst', '64k', 'quantum', '65536']);
  const bufferBytes = Math.max(64 * 1024, Math.round((rateMbit * 1e6) / 8 * 0.02));
  if (delayMs > 0) {
    try {
      tc(['qdisc', 'add', 'dev', dev, 'parent', '1:10', 'handle', '10:', 'netem', 'delay', `${delayMs}ms`, 'limit', '10000']);
      return true;
    } catch {
      /* no sch_netem in this kernel */
    }
  }
  tc(['qdisc', 'add', 'dev', dev, 'parent', '1:10', 'handle', '10:', 'bfifo', 'limit', String(bufferBytes)]);
  return false;
}

/**
 * N hosts and an origin, each in its own network namespace with one veth onto a
 * bridge that lives in a hub namespace. Each link is shaped on both ends' egress
 * (the place's side: its upload; the hub's side: its download), so every place has
 * `rateMbit` each way. Everything is removed on close, on SIGINT/SIGTERM and at
 * exit; a run first removes leftovers of an earlier one that died.
 */
export class NetnsTestbed implements Testbed {
  description: string;
  readonly rateBytes: number;
  readonly ownPorts = true;
  /** False when the kernel has no sch_netem: then the only latency is queueing in a ~20 ms buffer. */
  delayApplied = true;
  private closed = false;
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.removeAll();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  private readonly onExit = () => this.removeAll();

  private constructor(opts: NetnsOptions) {
    this.description = `${opts.hosts} hosts + origin in network namespaces on one bridge, ${opts.rateMbit} Mbit/s up and down each`;
    this.rateBytes = (opts.rateMbit * 1e6) / 8;
  }

  /** Make the namespaces, bridge, veths and shaping. */
  static create(opts: NetnsOptions): NetnsTestbed {
    const left = removeOurNamespaces();
    if (left.length) process.stderr.write(`removed ${left.length} namespaces left by an earlier run: ${left.join(' ')}\n`);
    const bed = new NetnsTestbed(opts);
    process.on('SIGINT', bed.onSignal);
    process.on('SIGTERM', bed.onSignal);
    process.on('exit', bed.onExit);
    try {
      ip(['netns', 'add', HUB]);
      ip(['-n', HUB, 'link', 'add', 'br0', 'type', 'bridge']);
      ip(['-n', HUB, 'link', 'set', 'br0', 'up']);
      const places: Place[] = ['origin', ...Array.from({ length: opts.hosts }, (_, i) => i)];
      for (const place of places) {
        const ns = bed.namespace(place);
        const port = place === 'origin' ? 'orig' : `h${place}`;
        ip(['netns', 'add', ns]);
        ip(['-n', ns, 'link', 'set', 'lo', 'up']);
        ip(['-n', HUB, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
        ip(['-n', HUB, 'link', 'set', port, 'master', 'br0']);
        ip(['-n', ns, 'addr', 'add', `${bed.address(place)}/16`, 'dev', 'eth0']);
        const up = shape(ns, 'eth0', opts.rateMbit, opts.delayMs);
        const down = shape(HUB, port, opts.rateMbit, opts.delayMs);
        if (!up || !down) bed.delayApplied = false;
      }
    } catch (err) {
      bed.removeAll();
      throw err;
    }
    bed.description += bed.delayApplied ? `, ${2 * opts.delayMs} ms one way` : ', no added delay (no sch_netem): queueing in ~20 ms buffers only';
    return bed;
  }

  /** The namespace of a place. */
  namespace(place: Place): string {
    return place === 'origin' ? ORIGIN : `${NETNS_PREFIX}h${String(place + 1).padStart(3, '0')}`;
  }

  wrap(place: Place, argv: string[]): string[] {
    return ['ip', 'netns', 'exec', this.namespace(place), ...argv];
  }

  address(place: Place): string {
    return place === 'origin' ? `${SUBNET}.0.1` : `${SUBNET}.${1 + Math.floor(place / 250)}.${1 + (place % 250)}`;
  }

  private removeAll(): void {
    if (this.closed) return;
    this.closed = true;
    removeOurNamespaces();
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    process.off('exit', this.onExit);
  }

  async close(): Promise<void> {
    this.removeAll();
  }
}
