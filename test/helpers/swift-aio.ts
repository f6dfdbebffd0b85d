import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { spawnGroup, watchdog, type GroupProcess } from './process-group.js';

const run = promisify(execFile);

/** A running OpenStack Swift all-in-one (tempauth + s3api), started for one test file. */
export interface SwiftServer {
  /** tempauth v1 endpoint, e.g. http://127.0.0.1:PORT/auth/v1.0 */
  authUrl: string;
  /** The test account's storage URL (…/v1/AUTH_test). */
  storageUrl: string;
  user: string;
  key: string;
  /** s3api endpoint (path style, region us-east-1). */
  s3Endpoint: string;
  s3AccessKey: string;
  s3Secret: string;
  region: string;
  /** Process-group ids of the daemons (each server and the workers it forks), for CPU accounting. */
  processGroups: number[];
  /** A fresh tempauth token, for tests that talk to Swift directly. */
  token(): Promise<string>;
  /** Creates a container (idempotent). */
  createContainer(name: string): Promise<void>;
  /** Stops every daemon (process groups) and removes the temp dir. */
  stop(): Promise<void>;
}

/** Options for startSwift. */
export interface SwiftOptions {
  /** s3api's minimum multipart part size; Swift's default is 5 MiB, as on AWS. */
  s3MinSegmentSize?: number;
}

const SWIFT_BIN = '/usr/bin';
const PYTHON = '/usr/bin/python3';

function serverConf(kind: 'account' | 'container' | 'object', port: number, dir: string, logPort: number): string {
  return `[DEFAULT]
bind_ip = 127.0.0.1
bind_port = ${port}
devices = ${join(dir, 'devices')}
mount_check = false
disable_fallocate = true
swift_dir = ${dir}
user = root
workers = 1
log_udp_host = 127.0.0.1
log_udp_port = ${logPort}
log_level = WARNING

[pipeline:main]
pipeline = ${kind}-server

[app:${kind}-server]
use = egg:swift#${kind}
`;
}

function proxyConf(port: number, memcachePort: number, dir: string, logPort: number, opts: SwiftOptions): string {
  // Section name as the pipeline spells it → the egg's entry point name.
  const filters: Array<[string, string]> = [
    ['catch_errors', 'catch_errors'], ['gatekeeper', 'gatekeeper'], ['healthcheck', 'healthcheck'],
    ['proxy-logging', 'proxy_logging'], ['listing_formats', 'listing_formats'], ['bulk', 'bulk'],
    ['tempurl', 'tempurl'], ['copy', 'copy'], ['slo', 'slo'], ['dlo', 'dlo'],
    ['versioned_writes', 'versioned_writes'], ['symlink', 'symlink'],
  ];
  const sections = filters.map(([name, egg]) => `[filter:${name}]\nuse = egg:swift#${egg}\n`).join('\n');
  return `[DEFAULT]
bind_ip = 127.0.0.1
bind_port = ${port}
swift_dir = ${dir}
user = root
workers = 1
log_udp_host = 127.0.0.1
log_udp_port = ${logPort}
log_level = WARNING

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl s3api tempauth copy slo dlo versioned_writes symlink proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin

[filter:s3api]
use = egg:swift#s3api
location = us-east-1
s3_acl = false
${opts.s3MinSegmentSize !== undefined ? `min_segment_size = ${opts.s3MinSegmentSize}\n` : ''}
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:${memcachePort}

${sections}`;
}

async function buildRing(dir: string, kind: string, port: number): Promise<void> {
  const builder = join(dir, `${kind}.builder`);
  const ringBuilder = join(SWIFT_BIN, 'swift-ring-builder');
  await run(PYTHON, [ringBuilder, builder, 'create', '8', '1', '1']);
  await run(PYTHON, [ringBuilder, builder, 'add', `r1z1-127.0.0.1:${port}/d1`, '1']);
  await run(PYTHON, [ringBuilder, builder, 'rebalance']).catch((err: { code?: number }) => {
    // swift-ring-builder exits 1 on warnings (e.g. one device only) after writing the ring.
    if (err.code !== 1) throw err;
  });
}

async function waitReady(proxy: string, deadlineMs: number, procs: GroupProcess[], logs: () => Promise<string>): Promise<{ token: string; storageUrl: string }> {
  const deadline = Date.now() + deadlineMs;
  let last = '';
  while (Date.now() < deadline) {
    const dead = procs.find((p) => p.child.exitCode !== null);
    if (dead) throw new Error(`a Swift daemon exited (${dead.child.spawnargs.join(' ')})\n${await logs()}`);
    try {
      const health = await fetch(`${proxy}/healthcheck`);
      if (health.ok) {
        const auth = await fetch(`${proxy}/auth/v1.0`, { headers: { 'X-Auth-User': 'test:tester', 'X-Auth-Key': 'testing' } });
        const token = auth.headers.get('x-auth-token');
        const storageUrl = auth.headers.get('x-storage-url');
        if (auth.ok && token && storageUrl) {
          const account = await fetch(storageUrl, { method: 'HEAD', headers: { 'X-Auth-Token': token } });
          // A container write proves the account, container and object rings all answer.
          const probe = await fetch(`${storageUrl}/ready-probe`, { method: 'PUT', headers: { 'X-Auth-Token': token } });
          await probe.arrayBuffer();
          if ((account.status === 200 || account.status === 204) && probe.ok) {
            await fetch(`${storageUrl}/ready-probe`, { method: 'DELETE', headers: { 'X-Auth-Token': token } }).then((r) => r.arrayBuffer());
            return { token, storageUrl };
          }
          last = `account HEAD ${account.status}, container PUT ${probe.status}`;
        } else {
          last = `auth ${auth.status}`;
        }
      } else {
        last = `healthcheck ${health.status}`;
      }
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Swift did not become ready: ${last}\n${await logs()}`);
}

/** Starts memcached and Swift's proxy, account, container and object servers on free ports. */
export async function startSwift(opts: SwiftOptions = {}): Promise<SwiftServer> {
  const dir = await mkdtemp(join(tmpdir(), 'swift-aio-'));
  const procs: GroupProcess[] = [];
  const logFile = join(dir, 'daemons.log');
  let guard: GroupProcess | undefined;
  const stop = async (): Promise<void> => {
    await guard?.stop(0);
    await Promise.all(procs.map((p) => p.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await mkdir(join(dir, 'devices', 'd1'), { recursive: true });
    const [proxyPort, accountPort, containerPort, objectPort, memcachePort, logPort] = await Promise.all(
      Array.from({ length: 6 }, () => freePort()),
    );
    await Promise.all([
      buildRing(dir, 'account', accountPort!),
      buildRing(dir, 'container', containerPort!),
      buildRing(dir, 'object', objectPort!),
    ]);
    const confs: Array<[string, string]> = [
      ['account', serverConf('account', accountPort!, dir, logPort!)],
      ['container', serverConf('container', containerPort!, dir, logPort!)],
      ['object', serverConf('object', objectPort!, dir, logPort!)],
      ['proxy', proxyConf(proxyPort!, memcachePort!, dir, logPort!, opts)],
    ];
    procs.push(spawnGroup('/usr/bin/memcached', ['-l', '127.0.0.1', '-p', String(memcachePort), '-U', '0', '-u', 'root', '-m', '64'], logFile));
    for (const [name, text] of confs) {
      const conf = join(dir, `${name}-server.conf`);
      await writeFile(conf, text);
      procs.push(spawnGroup(PYTHON, [join(SWIFT_BIN, `swift-${name}-server`), conf], logFile));
    }
    guard = watchdog(procs, dir);
    const proxy = `http://127.0.0.1:${proxyPort}`;
    const ready = await waitReady(proxy, 60_000, procs, () => readFile(logFile, 'utf8').catch(() => ''));
    const authUrl = `${proxy}/auth/v1.0`;
    const token = async (): Promise<string> => {
      const res = await fetch(authUrl, { headers: { 'X-Auth-User': 'test:tester', 'X-Auth-Key': 'testing' } });
      const value = res.headers.get('x-auth-token');
      if (!res.ok || !value) throw new Error(`tempauth: ${res.status}`);
      return value;
    };
    return {
      authUrl,
      storageUrl: ready.storageUrl,
      processGroups: procs.map((p) => p.pid),
      user: 'test:tester',
      key: 'testing',
      s3Endpoint: proxy,
      s3AccessKey: 'test:tester',
      s3Secret: 'testing',
      region: 'us-east-1',
      token,
      async createContainer(name: string): Promise<void> {
        // Right after start, under load, a container server can still answer 503 for a moment.
        for (let attempt = 1; ; attempt++) {
          const res = await fetch(`${ready.storageUrl}/${encodeURIComponent(name)}`, { method: 'PUT', headers: { 'X-Auth-Token': await token() } });
          await res.arrayBuffer();
          if (res.ok) return;
          if (res.status < 500 || attempt >= 50) throw new Error(`create container ${name}: ${res.status}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
