import { createServer } from 'node:http';
import { fetch } from 'undici';
import { describe, expect, it } from 'vitest';
import { openHttpSource } from '../../src/seeder/ingest/web-download.js';
import { isPrivateAddress, WebDownloadGuard } from '../../src/seeder/ingest/web-download-guard.js';

const rules = { allowed_ports: [], allowed_hosts: [], disallowed_hosts: [], private_networks: false, filter_admins: false };

describe('web-download guard', () => {
  it('knows the addresses a tenant may not reach', () => {
    for (const a of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fd00::1', 'ff02::1', '::ffff:127.0.0.1', '0:0:0:0:0:ffff:7f00:1', '::ffff:a9fe:a9fe', '64:ff9b::a9fe:a9fe', '64:ff9b:1::a9fe:a9fe', 'fec0::1', '192.88.99.1', '::127.0.0.1', '2002:7f00:1::1', '2001:0:4136:e378::1', '64:ff9b::7f00:1', 'not-an-address']) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    // public IPv4 addresses, also as IPv4-mapped and NAT64 (how IPv6-only hosts reach them)
    for (const a of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '192.169.0.1', '2606:4700:4700::1111', '2001:4860:4860::8888', '::ffff:8.8.8.8', '64:ff9b::808:808', '64:ff9b::8.8.8.8']) {
      expect(isPrivateAddress(a), a).toBe(false);
    }
  });

  it('refuses a name that resolves inside when connecting, not only when checking (DNS may change in between)', async () => {
    const server = createServer((_req, res) => res.end('inside'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    try {
      // the plain dispatcher reaches it: the server is there
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('inside');
      const guard = new WebDownloadGuard(rules);
      const err = await fetch(`http://localhost:${port}/`, { dispatcher: guard.dispatcher }).then(() => undefined, (e: unknown) => e);
      expect((err as { cause?: { code?: string } }).cause?.code).toBe('EPRIVATEADDRESS');
      await expect(guard.check(new URL(`http://localhost:${port}/`))).rejects.toThrow(/non-public address/);
      // and the download itself goes through that dispatcher: with the up-front check skipped, the connect refuses
      const unchecked = new WebDownloadGuard(rules);
      unchecked.check = async () => undefined;
      await expect(openHttpSource(new URL(`http://localhost:${port}/`), new AbortController().signal, {}, undefined, unchecked)).rejects.toThrow(/localhost resolves to a non-public address/);
      // with private networks allowed there is no guarded dispatcher and no refusal
      const open = new WebDownloadGuard({ ...rules, private_networks: true });
      expect(open.dispatcher).toBeUndefined();
      await expect(open.check(new URL(`http://localhost:${port}/`))).resolves.toBeUndefined();
    } finally {
      server.close();
    }
  });

  it('applies host and port lists, case-insensitively, and binds admins only when told', async () => {
    const guard = new WebDownloadGuard({ ...rules, private_networks: true, allowed_ports: [8080], disallowed_hosts: ['Bad.Example', '[2001:DB8::1]'] });
    await expect(guard.check(new URL('http://images.example:8081/x'))).rejects.toThrow(/port 8081/);
    await expect(guard.check(new URL('http://bad.example:8080/x'))).rejects.toThrow(/disallowed_hosts/);
    await expect(guard.check(new URL('http://bad.example.:8080/x'))).rejects.toThrow(/disallowed_hosts/);
    await expect(guard.check(new URL('http://[2001:db8::1]:8080/x'))).rejects.toThrow(/disallowed_hosts/);
    await expect(guard.check(new URL('http://good.example:8080/x'))).resolves.toBeUndefined();
    const only = new WebDownloadGuard({ ...rules, private_networks: true, allowed_hosts: ['mirror.example'] });
    await expect(only.check(new URL('https://other.example/x'))).rejects.toThrow(/allowed_hosts/);
    expect(guard.binds(false)).toBe(true);
    expect(guard.binds(true)).toBe(false);
    expect(new WebDownloadGuard({ ...rules, filter_admins: true }).binds(true)).toBe(true);
  });
});

describe('openHttpSource redirects', () => {
  it('sends a registry token only to its own origin, and follows at most 5 redirects', async () => {
    const seen: Array<{ url: string; token: string | undefined }> = [];
    const other = createServer((req, res) => {
      seen.push({ url: `other ${req.url}`, token: req.headers['x-auth-token'] as string | undefined });
      res.end('bytes');
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const otherUrl = `http://127.0.0.1:${(other.address() as { port: number }).port}`;
    const first = createServer((req, res) => {
      seen.push({ url: `first ${req.url}`, token: req.headers['x-auth-token'] as string | undefined });
      const n = Number(req.url!.slice(1));
      if (req.url === '/away') res.writeHead(302, { location: `${otherUrl}/file` }).end();
      else if (req.url === '/bad') res.writeHead(302, { location: 'http://[nope' }).end();
      else res.writeHead(302, { location: `/${n + 1}` }).end();
    });
    await new Promise<void>((r) => first.listen(0, '127.0.0.1', r));
    const firstUrl = `http://127.0.0.1:${(first.address() as { port: number }).port}`;
    const signal = new AbortController().signal;
    try {
      const opened = await openHttpSource(new URL(`${firstUrl}/away`), signal, { 'x-auth-token': 'secret' });
      opened.stream.resume();
      expect(seen).toEqual([{ url: 'first /away', token: 'secret' }, { url: 'other /file', token: undefined }]);
      await expect(openHttpSource(new URL(`${firstUrl}/0`), signal)).rejects.toThrow(/redirected more than 5 times/);
      expect(seen.filter((s) => /^first \/\d$/.test(s.url))).toHaveLength(6);
      await expect(openHttpSource(new URL(`${firstUrl}/bad`), signal)).rejects.toThrow(/not a URL/);
    } finally {
      first.close();
      other.close();
    }
  });
});
