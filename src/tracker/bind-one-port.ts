import { listen, type Service } from '../core/http/service.js';
import type { TrackerConfig } from './config.js';
import type { UdpFrontEnd } from './udp/udp-front-end.js';

const TRIES_ON_PORT_ZERO = 8;

/**
 * Bind HTTP and UDP to one port number, so one `host:port` names the tracker for
 * both. With port 0, UDP picks the port first and HTTP follows; if that TCP port
 * is taken, both are closed and the pair is tried again.
 */
export async function bindOnePort(config: TrackerConfig, udp: UdpFrontEnd, buildApp: () => Promise<Service>): Promise<{ app: Service; port: number }> {
  let lastError: unknown;
  for (let attempt = 0; attempt < (config.port === 0 ? TRIES_ON_PORT_ZERO : 1); attempt++) {
    const port = config.udp ? await udp.bind(config.host, config.port, config.host.includes(':') ? 6 : 4) : config.port;
    const app = await buildApp();
    try {
      const bound = await listen(app, config.host, port);
      if (config.udp && config.udp6_host) await udp.bind(config.udp6_host, bound.port, 6);
      return { app, port: bound.port };
    } catch (err) {
      lastError = err;
      await app.close();
      await udp.close();
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    }
  }
  throw lastError;
}
