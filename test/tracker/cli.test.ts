import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from '../helpers/cli.js';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { ingestReportFor } from '../helpers/ingest-report.js';
import { SERVICE_TOKEN, TRACKER_SECRET, startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/temp-dir.js';
import { httpAnnounce, UdpTrackerClient } from '../helpers/tracker-wire.js';



/** Run `glance-p2p tracker …` from source (tsx), so the test needs no build; resolves once it prints where it listens. */
function startTrackerCli(args: string[], env: Record<string, string> = {}): Promise<{ child: ChildProcess; stdout: () => string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [BIN, 'tracker', ...args], { env: { ...process.env, GLANCE_P2P_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', () => {
      if (/stats:/.test(out)) resolve({ child, stdout: () => out, stop });
    });
    child.once('exit', (code) => reject(new Error(`tracker exited with ${code}\n${out}\n${err}`)));
  });
}

describe('glance-p2p tracker (the CLI)', () => {
  let registry: TestRegistry;
  let port: number;
  let infohash: string;
  let passkey: string;
  const work = tempDir('glance-p2p-tracker-cli-');

  beforeAll(async () => {
    port = await freePort();
    registry = await startTestRegistry({ trackers: [{ announce: [`http://127.0.0.1:${port}/announce?passkey={passkey}`] }] });
    const alice = await registry.token('alice', 'proj-a', ['member']);
    const created = await registry.call('POST', '/v2/images', { token: alice, body: { name: 'cli', disk_format: 'raw', container_format: 'bare' } });
    const report = ingestReportFor(randomBytes(20_000), 'cli');
    await registry.call('POST', `/internal/v1/images/${created.body.id}/status`, { token: SERVICE_TOKEN, body: { to: 'saving' } });
    expect((await registry.call('PUT', `/internal/v1/images/${created.body.id}/data`, { token: SERVICE_TOKEN, body: report })).status).toBe(200);
    infohash = report.p2p_infohash;
    passkey = (await registry.call('GET', '/p2p/v1/whoami', { token: alice })).body.passkey;
  });
  afterAll(async () => {
    await registry?.close();
    work.remove();
  });

  it('runs from flags, prints where it listens (HTTP and UDP), admits announces and stops on SIGTERM', async () => {
    const cli = await startTrackerCli(['--port', String(port), '--registry-url', registry.url, '--service-token', SERVICE_TOKEN, '--tracker-secret', TRACKER_SECRET, '--announce-interval', '17']);
    try {
      expect(cli.stdout()).toContain(`Tracker listening on http://127.0.0.1:${port} (HTTP) and udp://127.0.0.1:${port} (UDP)`);
      expect(cli.stdout()).toContain('(1 active images)');
      const answer = await httpAnnounce(`http://127.0.0.1:${port}/announce?passkey=${passkey}`, { infohash, port: 6000, event: 'started' });
      expect(answer).toMatchObject({ interval: 17, complete: 0, incomplete: 1 });
      const udp = new UdpTrackerClient('127.0.0.1', port);
      try {
        const id = await udp.connect();
        expect(await udp.announce(id, { infohash, port: 6001, urlData: `/announce?passkey=${passkey}` })).toMatchObject({ interval: 17, incomplete: 2 });
      } finally {
        udp.close();
      }
    } finally {
      await cli.stop();
    }
    expect(cli.child.exitCode).toBe(0);
  });

  it('reads the tracker section of a config file and the environment', async () => {
    const file = join(work.path, 'glance.yaml');
    writeFileSync(file, `tracker:\n  port: ${port}\n  announce_interval: 23\n  udp: false\n  registry_url: ${registry.url}\n`);
    const cli = await startTrackerCli(['--config', file], { GLANCE_P2P_SERVICE_TOKEN: SERVICE_TOKEN, GLANCE_P2P_TRACKER_SECRET: TRACKER_SECRET });
    try {
      expect(cli.stdout()).toContain(`Tracker listening on http://127.0.0.1:${port} (HTTP)\n`);
      expect(await httpAnnounce(`http://127.0.0.1:${port}/announce?passkey=${passkey}`, { infohash, port: 6002 })).toMatchObject({ interval: 23 });
    } finally {
      await cli.stop();
    }
  });
});
