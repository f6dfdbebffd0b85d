import { describe, expect, it } from 'vitest';
import { createPasskey } from '../../src/core/passkey.js';
import { REASONS } from '../../src/tracker/errors.js';
import { parseHttpAnnounce, parseHttpScrape, parseRawQuery } from '../../src/tracker/http/announce-query.js';
import { scrapeReply } from '../../src/tracker/http/bencode-replies.js';
import { mayJoin, SwarmList, type AllowedSwarm } from '../../src/tracker/swarm-list.js';
import { compactAddress } from '../../src/tracker/swarm/compact-address.js';
import { accountBytes, type PeerRecord } from '../../src/tracker/swarm/peer.js';
import { PeerSet } from '../../src/tracker/swarm/peer-set.js';
import { ConnectionIds } from '../../src/tracker/udp/connection-ids.js';
import { parseUdpRequest, readUrlData, UdpParseError } from '../../src/tracker/udp/udp-request.js';
import { escapeBytes, udpAnnouncePacket } from '../helpers/tracker-wire.js';

const SECRET = 'unit-test-secret-0123456789';
const swarm = (over: Partial<AllowedSwarm>): AllowedSwarm => ({ image_id: 'i', infohash: 'a'.repeat(40), visibility: 'private', owner: 'p1', members: [], size: 1, os_hash_value: null, updated_at: '', ...over });

describe('tracker units', () => {
  it('applies the join rule of DESIGN §6', () => {
    const user = (projectId: string, admin = false) => ({ userId: 'u', projectId, admin });
    expect(mayJoin(swarm({ visibility: 'public' }), user(''))).toBe(true);
    expect(mayJoin(swarm({ visibility: 'community' }), user('p9'))).toBe(true);
    expect(mayJoin(swarm({}), user('p1'))).toBe(true);
    expect(mayJoin(swarm({}), user('p2'))).toBe(false);
    expect(mayJoin(swarm({}), user('p2', true))).toBe(true);
    expect(mayJoin(swarm({ visibility: 'shared', members: ['p2'] }), user('p2'))).toBe(true);
    expect(mayJoin(swarm({ visibility: 'private', members: ['p2'] }), user('p2'))).toBe(false);
    // The anonymous principal has no project; an image without owner is not its own.
    expect(mayJoin(swarm({ owner: '' }), user(''))).toBe(false);
  });

  it('admits in order: passkey, list loaded, registered, access', () => {
    const list = new SwarmList(SECRET);
    const good = createPasskey(SECRET, { userId: 'u', projectId: 'p1', admin: false });
    expect(() => list.admit('a'.repeat(40), undefined)).toThrow(REASONS.passkeyMissing);
    expect(() => list.admit('a'.repeat(40), good.slice(0, -2) + 'xx')).toThrow(REASONS.passkeyInvalid);
    expect(() => list.admit('a'.repeat(40), good)).toThrow(REASONS.notReady);
    list.replace(1, [swarm({}), swarm({ infohash: 'b'.repeat(40), owner: 'p2' })], 0);
    expect(list.admit('a'.repeat(40), good).claims.projectId).toBe('p1');
    expect(() => list.admit('c'.repeat(40), good)).toThrow(REASONS.unregistered);
    expect(() => list.admit('b'.repeat(40), good)).toThrow(REASONS.forbidden);
    expect(list.replace(2, [swarm({ owner: 'p3' })], 0)).toEqual({ removed: ['b'.repeat(40)], changed: ['a'.repeat(40)] });
  });

  it('samples distinct members, all of them when asked for more than there are', () => {
    const set = new PeerSet<number>();
    for (let i = 0; i < 100; i++) set.add(i);
    set.delete(50);
    set.delete(99);
    expect(set.size).toBe(98);
    const some = set.sample(30, () => false);
    expect(new Set(some).size).toBe(30);
    expect(some).not.toContain(50);
    const all = set.sample(500, (n) => n === 7);
    expect(all).toHaveLength(97);
    expect(new Set(all).size).toBe(97);
    // Different calls give different picks.
    expect(new Set(Array.from({ length: 20 }, () => set.sample(5, () => false).join(','))).size).toBeGreaterThan(1);
  });

  it('counts session bytes once, whatever order announces come in', () => {
    const peer = { reportedUploaded: 0, reportedDownloaded: 0, uploaded: 0, downloaded: 0 } as PeerRecord;
    expect(accountBytes(peer, { event: 'started', uploaded: 0, downloaded: 0 })).toEqual({ uploaded: 0, downloaded: 0 });
    expect(accountBytes(peer, { event: 'update', uploaded: 100, downloaded: 1000 })).toEqual({ uploaded: 100, downloaded: 1000 });
    expect(accountBytes(peer, { event: 'update', uploaded: 100, downloaded: 1000 })).toEqual({ uploaded: 0, downloaded: 0 });
    expect(accountBytes(peer, { event: 'stopped', uploaded: 0, downloaded: 0 })).toEqual({ uploaded: 0, downloaded: 0 });
    expect(accountBytes(peer, { event: 'started', uploaded: 7, downloaded: 0 })).toEqual({ uploaded: 7, downloaded: 0 });
    expect(accountBytes(peer, { event: 'update', uploaded: Number.NaN, downloaded: -5 })).toEqual({ uploaded: 0, downloaded: 0 });
    expect(peer).toMatchObject({ uploaded: 107, downloaded: 1000 });
  });

  it('writes compact addresses for IPv4 and IPv6', () => {
    expect(compactAddress('127.0.0.1', 6881).toString('hex')).toBe('7f0000011ae1');
    expect(compactAddress('::1', 80).toString('hex')).toBe(`${'0'.repeat(30)}010050`);
    expect(compactAddress('2001:db8::ff00:42:8329', 1).toString('hex')).toBe('20010db8000000000000ff00004283290001');
    expect(compactAddress('::ffff:10.1.2.3', 2).toString('hex')).toBe('00000000000000000000ffff0a0102030002');
  });

  it('reads BEP 41 options: NOP, several URLData pieces, unknown options skipped, truncation tolerated', () => {
    expect(readUrlData(Buffer.from([]))).toBeUndefined();
    expect(readUrlData(Buffer.from([0, 0]))).toBeUndefined(); // aria2 sends these two bytes
    const opt = (type: number, text: string) => Buffer.concat([Buffer.from([type, text.length]), Buffer.from(text)]);
    expect(readUrlData(Buffer.concat([Buffer.from([1, 1]), opt(2, '/announce'), opt(9, 'zz'), opt(2, '?passkey=k'), Buffer.from([0]), opt(2, 'ignored')]))).toBe('/announce?passkey=k');
    expect(readUrlData(Buffer.concat([opt(2, '/a'), Buffer.from([2, 50, 65])]))).toBe('/a');
  });

  it('parses UDP packets and refuses malformed ones without an answer', () => {
    expect(() => parseUdpRequest(Buffer.alloc(10))).toThrow(UdpParseError);
    const connect = Buffer.alloc(16);
    expect(() => parseUdpRequest(connect)).toThrow(/protocol id/);
    connect.writeBigUInt64BE(0x41727101980n, 0);
    expect(parseUdpRequest(connect)).toMatchObject({ action: 'connect' });
    const announce = udpAnnouncePacket(Buffer.alloc(8), { infohash: 'ab'.repeat(20), port: 5, left: 0, ip: '1.2.3.4', numwant: 10, urlData: '/announce?passkey=x' }, 42);
    const parsed = parseUdpRequest(announce);
    expect(parsed).toMatchObject({ action: 'announce', transactionId: 42, announce: { infohash: 'ab'.repeat(20), port: 5, left: 0, numwant: 10, event: 'update', urlData: '/announce?passkey=x' } });
    expect(JSON.stringify(parsed)).not.toContain('1.2.3.4');
    expect(() => parseUdpRequest(announce.subarray(0, 97))).toThrow(/too short/);
    const badEvent = Buffer.from(announce);
    badEvent.writeUInt32BE(9, 80);
    expect(() => parseUdpRequest(badEvent)).toThrow(/event/);
  });

  it('issues connection ids per source that expire after two to three minutes', () => {
    let t = 1_000_000;
    const ids = new ConnectionIds(() => t);
    const id = ids.issue('127.0.0.1', 1000);
    expect(ids.check(id, '127.0.0.1', 1000)).toBe(true);
    expect(ids.check(id, '127.0.0.1', 1001)).toBe(false);
    expect(ids.check(id, '127.0.0.2', 1000)).toBe(false);
    expect(ids.check(id.subarray(0, 4), '127.0.0.1', 1000)).toBe(false);
    t += 120_000;
    expect(ids.check(id, '127.0.0.1', 1000)).toBe(true);
    t += 60_000;
    expect(ids.check(id, '127.0.0.1', 1000)).toBe(false);
  });

  it('reads binary fields of HTTP announces byte for byte, and never the client\'s ip', () => {
    const infohash = Buffer.from('ff00'.repeat(10), 'hex');
    const q = parseRawQuery(`/announce?passkey=k.m&info_hash=${escapeBytes(infohash)}&peer_id=${escapeBytes(Buffer.alloc(20, 0xe9))}&port=1&left=0&ip=6.6.6.6&numwant=1000&event=completed&compact=0`);
    const p = parseHttpAnnounce(q, '::ffff:127.0.0.1', { defaultNumwant: 50, maxNumwant: 80 }, 5);
    expect(p).toMatchObject({ info_hash: infohash.toString('hex'), peer_id: 'e9'.repeat(20), ip: '127.0.0.1', family: 4, addr: '127.0.0.1:1', numwant: 80, event: 'completed', dictionaryPeers: true, passkey: 'k.m', left: 0 });
    expect(parseHttpAnnounce(parseRawQuery(`/a?info_hash=${escapeBytes(infohash)}&peer_id=${escapeBytes(infohash)}&port=2`), '::1', { defaultNumwant: 50, maxNumwant: 80 }, 5)).toMatchObject({ addr: '[::1]:2', family: 6, left: Infinity, numwant: 50, event: 'update' });
    expect(() => parseHttpAnnounce(parseRawQuery('/a?info_hash=short'), '127.0.0.1', { defaultNumwant: 50, maxNumwant: 80 }, 5)).toThrow('invalid info_hash');
    expect(() => parseHttpScrape(parseRawQuery('/scrape?passkey=x'))).toThrow(REASONS.fullScrape);
  });

  it('encodes scrape keys as raw bytes in byte order', () => {
    const files = [
      { infohash: 'ff'.repeat(20), complete: 1, incomplete: 2, downloaded: 3 },
      { infohash: '01'.repeat(20), complete: 4, incomplete: 5, downloaded: 6 },
    ];
    const body = scrapeReply(files, 15);
    const low = body.indexOf(Buffer.concat([Buffer.from('20:'), Buffer.alloc(20, 0x01)]));
    const high = body.indexOf(Buffer.concat([Buffer.from('20:'), Buffer.alloc(20, 0xff)]));
    expect(low).toBeGreaterThan(0);
    expect(high).toBeGreaterThan(low);
    expect(body.subarray(high + 23).toString('latin1')).toBe('d8:completei1e10:downloadedi3e10:incompletei2eee5:flagsd20:min_request_intervali15eee');
  });
});
