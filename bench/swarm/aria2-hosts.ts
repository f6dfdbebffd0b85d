import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/free-port.js';
import { procUsage, start, type Started } from './processes.js';
import type { HostResult } from './results.js';
import type { Testbed } from './testbed.js';

/**
 * aria2c as every host's agent: the same torrent (the registry's, with a passkey)
 * from the same tracker and the same Teller seed, with the options REAL-PARTS.md
 * gives (no DHT, LPD or PEX). Each aria2c keeps seeding after it finishes, as our
 * daemons do, until the last host is done; a completion hook stamps the time.
 */
export async function runAria2(testbed: Testbed, torrent: Buffer, dir: string, hosts: number, timeoutS: number): Promise<HostResult[]> {
  const peers: Array<{ proc: Started; data: string; done: string }> = [];
  try {
    const t0 = Date.now();
    for (let i = 0; i < hosts; i++) {
      const home = join(dir, `aria2-${i}`);
      const data = join(home, 'data');
      mkdirSync(data, { recursive: true });
      const torrentFile = join(home, 'image.torrent');
      writeFileSync(torrentFile, torrent);
      const done = join(home, 'done');
      const hook = join(home, 'on-complete.sh');
      writeFileSync(hook, `#!/bin/sh\ndate +%s%N > '${done}'\n`);
      chmodSync(hook, 0o755);
      const port = testbed.ownPorts ? 6881 : await freePort();
      const args = [
        '/usr/bin/aria2c', `--dir=${data}`, `--listen-port=${port}`, '--enable-dht=false', '--enable-dht6=false', '--bt-enable-lpd=false', '--enable-peer-exchange=false',
        '--seed-time=600', '--seed-ratio=0.0', '--file-allocation=none', `--on-bt-download-complete=${hook}`, '--bt-tracker-interval=0',
        '--summary-interval=0', '--console-log-level=warn', '--no-conf=true', `--stop-with-process=${process.pid}`, torrentFile,
      ];
      peers.push({ proc: start(testbed.wrap(i, args), join(home, 'aria2.log'), { ...process.env, HOME: home }), data, done });
    }
    for (const deadline = Date.now() + timeoutS * 1000; !peers.every((p) => existsSync(p.done)); ) {
      if (Date.now() > deadline) throw new Error(`aria2c: ${peers.filter((p) => !existsSync(p.done)).length} of ${hosts} hosts unfinished after ${timeoutS} s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return peers.map((p, i) => {
      const usage = procUsage(p.proc.pid);
      const file = readdirSync(p.data).find((f) => !f.endsWith('.aria2'));
      const finishS = (Number(readFileSync(p.done, 'utf8').trim()) / 1e6 - t0) / 1000;
      return { host: i, finishS, file: file ? join(p.data, file) : '', swarmBytes: 0, httpBytes: 0, cpuS: usage.cpuS, sysS: usage.sysS, peakRssMb: usage.peakRssMb };
    });
  } finally {
    await Promise.all(peers.map((p) => p.proc.stop(5000)));
  }
}
