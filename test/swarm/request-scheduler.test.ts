import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Torrent, Wire } from 'webtorrent';
import { coalesceRequestUpdates } from '../../src/swarm/request-scheduler.js';

/** A stand-in with webtorrent's two scheduling methods and its 'wire' event, counting calls. */
function fakeTorrent() {
  const calls = { update: 0, wires: [] as string[] };
  const torrent = Object.assign(new EventEmitter(), {
    destroyed: false,
    ready: true,
    _update() {
      calls.update++;
    },
    _updateWire(wire: { name: string }) {
      calls.wires.push(wire.name);
      return true;
    },
  });
  return { torrent, calls };
}

const turn = () => new Promise((r) => setImmediate(r));

describe('coalesceRequestUpdates', () => {
  it('runs the wire walk once per event-loop turn however often it is asked for', async () => {
    const { torrent, calls } = fakeTorrent();
    coalesceRequestUpdates(torrent as unknown as Torrent);
    for (let i = 0; i < 100; i++) torrent._update();
    expect(calls.update).toBe(0);
    await turn();
    expect(calls.update).toBe(1);
    torrent._update();
    await turn();
    expect(calls.update).toBe(2);
  });

  it('skips the walk once the torrent is destroyed', async () => {
    const { torrent, calls } = fakeTorrent();
    coalesceRequestUpdates(torrent as unknown as Torrent);
    torrent._update();
    torrent.destroyed = true;
    await turn();
    expect(calls.update).toBe(0);
  });

  it('walks once after each new wire, but not before the torrent is ready', async () => {
    const { torrent, calls } = fakeTorrent();
    coalesceRequestUpdates(torrent as unknown as Torrent);
    torrent.ready = false;
    torrent.emit('wire', {});
    await turn();
    expect(calls.update).toBe(0);
    torrent.ready = true;
    torrent.emit('wire', {});
    torrent.emit('wire', {});
    await turn();
    expect(calls.update).toBe(1);
  });

  it('updates only wires we want something from, and web seeds', () => {
    const { torrent, calls } = fakeTorrent();
    coalesceRequestUpdates(torrent as unknown as Torrent);
    const wire = (name: string, amInterested: boolean, type = 'tcpOutgoing') => ({ name, amInterested, type }) as unknown as Wire & { name: string };
    torrent._updateWire(wire('useful', true));
    torrent._updateWire(wire('nothing for us', false));
    torrent._updateWire(wire('web seed', false, 'webSeed'));
    expect(calls.wires).toEqual(['useful', 'web seed']);
  });
});
