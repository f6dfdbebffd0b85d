import { createServer } from 'node:http';
import { fetch } from 'undici';
import { describe, expect, it } from 'vitest';
import { isPrivateAddress, WebDownloadGuard } from '../../src/seeder/ingest/web-download-guard.js';

const rules = { allowed_ports: [], allowed_hosts: [], disallowed_hosts: [], private_networks: false, filter_admins: false };

describe('web-download guard', () => {
  it('knows the addresses a tenant may not reach', () => {
    for (const a of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fd00::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:8.8.8.8', '::127.0.0.1', '2002:7f00:1::1', '2001:0:4136:e378::1', '64:ff9b::7f00:1', 'not-an-address']) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '192.169.0.1', '2606:4700:4700::1111', '2001:4860:4860::8888']) expect(isPrivateAddress(a), a).toBe(false);
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
      await expect(guard.check(new URL(`http://localhost:${port}/`))).rejects.toThrow(/private address/);
      // with private networks allowed there is no guarded dispatcher and no refusal
      const open = new WebDownloadGuard({ ...rules, private_networks: true });
      expect(open.dispatcher).toBeUndefined();
      await expect(open.check(new URL(`http://localhost:${port}/`))).resolves.toBeUndefined();
    } finally {
      server.close();
    }
  });

  it('applies host and port lists, case-insensitively, and binds admins only when told', async () => {
    const guard = new WebDownloadGuard({ ...rules, private_networks: true, allowed_ports: [8080], disallowed_hosts: ['Bad.Example'] });
    await expect(guard.check(new URL('http://images.example:8081/x'))).rejects.toThrow(/port 8081/);
    await expect(guard.check(new URL('http://bad.example:8080/x'))).rejects.toThrow(/disallowed_hosts/);
    await expect(guard.check(new URL('http://good.example:8080/x'))).resolves.toBeUndefined();
    const only = new WebDownloadGuard({ ...rules, private_networks: true, allowed_hosts: ['mirror.example'] });
    await expect(only.check(new URL('https://other.example/x'))).rejects.toThrow(/allowed_hosts/);
    expect(guard.binds(false)).toBe(true);
    expect(guard.binds(true)).toBe(false);
    expect(new WebDownloadGuard({ ...rules, filter_admins: true }).binds(true)).toBe(true);
  });
});
