import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SwarmBench } from '../../bench/swarm/harness.js';
import type { RowResult } from '../../bench/swarm/results.js';
import { summarize } from '../../bench/swarm/summary.js';
import { LoopbackTestbed } from '../../bench/swarm/testbed.js';
import { tempDir } from '../helpers/temp-dir.js';

// The swarm benchmark's harness, small: N = 4 on unshaped loopback, a 12 MiB image
// (three 4 MiB pieces), every mode. It checks what the benchmark reports and that
// every host ended up with the right bytes, never how fast.
const N = 4;
const SIZE = 12 * 1024 * 1024;

describe('bench:swarm smoke (N = 4, loopback, no shaping)', () => {
  const dir = tempDir('glance-p2p-swarm-smoke-');
  let bench: SwarmBench;
  let row: RowResult;

  beforeAll(async () => {
    bench = await SwarmBench.open(new LoopbackTestbed(), dir.path, { sizeBytes: SIZE });
    row = await bench.row(N, ['swarm', 'http', 'aria2c']);
  }, 120_000);

  afterAll(async () => {
    await bench?.close();
    dir.remove();
  });

  it('runs every mode on every host and each host holds the exact image', () => {
    expect(row.n).toBe(N);
    expect(row.sizeBytes).toBe(SIZE);
    expect(row.tStarS).toBe(0); // unshaped: no bound
    expect(row.modes.map((m) => m.mode)).toEqual(['swarm', 'http', 'aria2c']);
    for (const mode of row.modes) {
      expect(mode.hosts.map((h) => h.host)).toEqual([0, 1, 2, 3]);
      expect(mode.bytesOk, `${mode.mode}: every host's SHA-256`).toBe(true);
      for (const host of mode.hosts) {
        expect(host.finishS).toBeGreaterThan(0);
        expect(host.peakRssMb).toBeGreaterThan(0);
        expect(host.cpuS).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('counts where the bytes came from: swarm over BitTorrent, --no-p2p over HTTP, by Teller\'s own counters', () => {
    const [swarm, http, aria] = row.modes;
    for (const host of swarm!.hosts) {
      expect(host.swarmBytes).toBeGreaterThanOrEqual(SIZE); // end-game duplicates may add a little
      expect(host.httpBytes).toBe(0); // a pure swarm run: Teller is never a web seed
    }
    expect(swarm!.originHttpBytes).toBeLessThan(SIZE / 100); // torrent and metadata only
    // Teller sent at least one copy and never more than one per host
    expect(swarm!.originBittorrentBytes).toBeGreaterThanOrEqual(SIZE);
    expect(swarm!.originBittorrentBytes).toBeLessThanOrEqual(N * SIZE);
    for (const host of http!.hosts) expect(host.httpBytes).toBe(SIZE);
    expect(http!.originBittorrentBytes).toBe(0);
    // one copy per host, plus a few hundred bytes of torrent and metadata answers
    expect(http!.originHttpBytes).toBeGreaterThanOrEqual(N * SIZE);
    expect(http!.originHttpBytes).toBeLessThan(N * SIZE * 1.01);
    expect(aria!.originBittorrentBytes).toBeGreaterThanOrEqual(SIZE);
  });

  it('summarizes a row as the table does', () => {
    const summary = summarize(row);
    expect(Object.keys(summary)).toEqual(expect.arrayContaining(['N', 'T* s', 'swarm p50/T*', 'swarm p100/T*', 'swarm origin/F', 'HTTP p100/T*', 'HTTP origin/F', 'aria2c p100/T*', 'agent CPU s', 'agent RSS MB', 'bytes ok']));
    expect(summary['bytes ok']).toBe('yes');
    expect(summary['HTTP origin/F']).toBe(N);
  });
});
