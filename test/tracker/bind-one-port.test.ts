import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '../../src/core/http/metrics.js';
import { createService } from '../../src/core/http/service.js';
import { bindOnePort } from '../../src/tracker/bind-one-port.js';
import type { TrackerConfig } from '../../src/tracker/config.js';
import type { UdpFrontEnd } from '../../src/tracker/udp/udp-front-end.js';
import { testLogger } from '../helpers/logger.js';

const held: Server[] = [];
afterEach(async () => {
  await Promise.all(held.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A TCP port held by a real listener for the test's length. */
async function takenPort(): Promise<number> {
  const server = createServer();
  held.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

describe('bindOnePort', () => {
  it('retries when the port UDP got is taken on TCP, with one metrics registry for every attempt', async () => {
    const busy = await takenPort();
    const ports = [busy, 0];
    const udp = { bind: async () => ports.shift()!, close: async () => undefined } as unknown as UdpFrontEnd;
    const metrics = createMetricsRegistry('tracker');
    let builds = 0;
    const buildApp = async () => {
      builds++;
      return createService({ name: 'tracker', logger: testLogger(), metrics });
    };
    const { app, port } = await bindOnePort({ host: '127.0.0.1', port: 0, udp: true } as TrackerConfig, udp, buildApp);
    try {
      expect(builds).toBe(2);
      expect(port).not.toBe(busy);
      const res = await app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('glance_p2p_http_request_duration_seconds');
    } finally {
      await app.close();
    }
  });
});
