import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAria2 } from '../helpers/aria2.js';
import { startLibtorrent } from '../helpers/libtorrent.js';
import { passkeyOfTorrent } from '../helpers/tracker-wire.js';
import { uploadImage } from '../helpers/images.js';
import { ADMIN_TOKEN } from '../helpers/registry.js';
import { startFullStack, type FullStack } from '../helpers/stack.js';

async function waitFor<T>(fn: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Teller seeds every active image over BitTorrent', () => {
  let s: FullStack;
  beforeAll(async () => {
    s = await startFullStack();
  });
  afterAll(async () => s?.close());

  it('seeds a newly ingested image at once, and aria2c downloads it through our tracker', async () => {
    const { id, data } = await uploadImage(s.teller, { size: 6 * 1024 * 1024 + 11, body: { name: 'seeded.img' } });
    const seeding = s.teller.teller.parts.seeding!;
    await waitFor(() => seeding.seededImages().includes(id));
    const torrent = Buffer.from(await (await fetch(`${s.teller.url}/v2/images/${id}/torrent`, { headers: { 'x-auth-token': ADMIN_TOKEN } })).arrayBuffer());
    const aria2 = await startAria2({ torrent, stopTimeoutSeconds: 60 });
    try {
      expect(await aria2.exited()).toBe(0);
      const got = readFileSync(join(aria2.dir, 'seeded.img'));
      expect(createHash('sha256').update(got).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    } finally {
      await aria2.stop();
    }
    const metrics = (await s.teller.call('GET', '/metrics')).text;
    const seeded = Number(/glance_p2p_teller_seeded_bytes_total\{[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0);
    expect(seeded).toBeGreaterThanOrEqual(data.length);
  });

  it('python3-libtorrent downloads an image from Teller through our tracker, over HTTP and over UDP (BEP 41)', async () => {
    const { id, data } = await uploadImage(s.teller, { size: 5 * 1024 * 1024 + 3, body: { name: 'lt-leech.img' } });
    const seeding = s.teller.teller.parts.seeding!;
    await waitFor(() => seeding.seededImages().includes(id));
    const torrent = Buffer.from(await (await fetch(`${s.teller.url}/v2/images/${id}/torrent`, { headers: { 'x-auth-token': ADMIN_TOKEN } })).arrayBuffer());
    const announce = s.stack.address.announceTemplates;
    for (const only of [announce.filter((a) => a.startsWith('http')), announce.filter((a) => a.startsWith('udp'))]) {
      const leecher = await startLibtorrent({ torrent, trackers: only.map((t) => t.replace('{passkey}', encodeURIComponent(passkeyOfTorrent(torrent)))), exitWhenDone: true });
      try {
        await leecher.waitFor('finished', undefined, 60_000);
        const got = readFileSync(join(leecher.dir, 'lt-leech.img'));
        expect(createHash('sha256').update(got).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
      } finally {
        await leecher.stop();
      }
    }
  });

  it('stops seeding an image that is deactivated', async () => {
    const { id } = await uploadImage(s.teller, { size: 100_000 });
    const seeding = s.teller.teller.parts.seeding!;
    await waitFor(() => seeding.seededImages().includes(id));
    await s.teller.call('POST', `/v2/images/${id}/actions/deactivate`, { token: ADMIN_TOKEN });
    await waitFor(() => !seeding.seededImages().includes(id));
  });
});
