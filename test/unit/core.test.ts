import { describe, expect, it } from 'vitest';
import { mergeConfig, validateConfig } from '../../src/core/config.js';
import { parseImageUri, imageUri } from '../../src/core/image-uri.js';
import { parseInfoHash } from '../../src/core/infohash.js';
import { createPasskey, verifyPasskey } from '../../src/core/passkey.js';
import { checkFileGrant, signFileGrant, signFileUrl } from '../../src/core/signed-url.js';
import { RegistryDirectory } from '../../src/core/registry-directory.js';
import { RegistryConfigSchema } from '../../src/registry/config.js';

describe('passkeys', () => {
  const secret = 'a-tracker-secret-of-some-length';
  it('round-trips claims and refuses forgeries', () => {
    const pk = createPasskey(secret, { userId: 'alice', projectId: 'p1', admin: false });
    expect(verifyPasskey(secret, pk)).toEqual({ userId: 'alice', projectId: 'p1', admin: false });
    expect(verifyPasskey('another-secret-entirely', pk)).toBeNull();
    const [payload, mac] = pk.split('.');
    const forged = Buffer.from('alice\np1\na').toString('base64url');
    expect(verifyPasskey(secret, `${forged}.${mac}`)).toBeNull();
    expect(verifyPasskey(secret, `${payload}.`)).toBeNull();
    expect(verifyPasskey(secret, 'garbage')).toBeNull();
    expect(verifyPasskey(secret, '')).toBeNull();
  });
});

describe('signed file URLs', () => {
  const secret = 'url-signing-secret';
  const id = '6a5a8a4e-0000-4000-8000-000000000000';
  it('accepts a fresh grant and refuses expired, tampered or foreign ones', () => {
    const { expires, sig } = signFileGrant(secret, id, 2000);
    expect(checkFileGrant(secret, id, String(expires), sig, 1000)).toBeNull();
    expect(checkFileGrant(secret, id, String(expires), sig, 2001)).toMatch(/expired/);
    expect(checkFileGrant(secret, id, String(expires + 1), sig, 1000)).toMatch(/signature/);
    expect(checkFileGrant(secret, '6a5a8a4e-0000-4000-8000-000000000001', String(expires), sig, 1000)).toMatch(/signature/);
    expect(checkFileGrant(secret, id, undefined, sig, 1000)).toMatch(/missing/);
    expect(checkFileGrant(secret, id, '12abc', sig, 1000)).toMatch(/malformed/);
    const url = new URL(signFileUrl(secret, `http://teller:9292/v2/images/${id}/file`, id, 2000));
    expect(checkFileGrant(secret, id, url.searchParams.get('expires')!, url.searchParams.get('sig')!, 1000)).toBeNull();
  });
});

describe('image URIs and infohashes', () => {
  it('parses image URIs and refuses others', () => {
    const id = '6a5a8a4e-0000-4000-8000-000000000000';
    expect(parseImageUri(imageUri('https://parallax.example.org/', id))).toEqual({ registryUrl: 'https://parallax.example.org', imageId: id });
    expect(parseImageUri(`http://h:9191/prefix/v2/images/${id.toUpperCase()}/file`)).toEqual({ registryUrl: 'http://h:9191/prefix', imageId: id });
    for (const bad of ['ftp://x/v2/images/' + id, 'http://x/v2/images/not-a-uuid', 'not a url', `http://x/v1/images/${id}`]) expect(() => parseImageUri(bad)).toThrow(/URI/);
  });
  it('validates infohashes in hex and base32', () => {
    expect(parseInfoHash('A'.repeat(40))).toBe('a'.repeat(40));
    expect(parseInfoHash('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).toBe('0'.repeat(40));
    expect(() => parseInfoHash('xyz')).toThrow(/infohash/);
  });
});

describe('config', () => {
  it('merges layers, later wins, undefined ignored', () => {
    expect(mergeConfig({ a: 1, n: { x: 1, y: 2 } }, { a: undefined, n: { y: 3 } }, { b: 2 })).toEqual({ a: 1, b: 2, n: { x: 1, y: 3 } });
  });
  it('fills defaults, converts strings and names the bad field', () => {
    const cfg = validateConfig(RegistryConfigSchema, { port: '9000' });
    expect(cfg).toMatchObject({ port: 9000, host: '127.0.0.1', allow_anonymous: true, trackers: [] });
    expect(() => validateConfig(RegistryConfigSchema, { port: 70000 })).toThrow(/port/);
    expect(() => validateConfig(RegistryConfigSchema, { bogus: 1 })).toThrow(/registry|config/);
  });
});

describe('registry directory', () => {
  const dir = new RegistryDirectory([
    { name: 'a', url: 'https://a.example.org', token: 'ta' },
    { name: 'a-sub', url: 'https://a.example.org/sub', token: 'tsub' },
  ]);
  it('picks a registry by the longest URL prefix, else anonymous', () => {
    expect(dir.forUrl('https://a.example.org/v2/images/x').name).toBe('a');
    expect(dir.forUrl('https://a.example.org/sub/v2/images/x').name).toBe('a-sub');
    expect(dir.forUrl('https://a.example.org/subway/v2/images/x').name).toBe('a');
    const anon = dir.forUrl('https://elsewhere.example.org/v2/images/x');
    expect(anon.token).toBeUndefined();
    expect(anon.url).toBe('https://elsewhere.example.org');
    expect(() => dir.find('nope')).toThrow(/No registry named/);
  });
});
