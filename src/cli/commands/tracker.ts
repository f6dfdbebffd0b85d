import { Option, type Command } from 'commander';
import { createLogger } from '../../core/logger.js';
import type { TrackerConfig } from '../../tracker/config.js';
import { runUntilSignal } from '../run-until-signal.js';
import { loadOrCreateSecrets } from '../secrets.js';
import { addCommonServerOptions, baseConfig, portOption, section, type CommonServerFlags } from '../server-options.js';
import { dataDirOf } from './registry.js';

/**
 * The tracker's config from the config file's `tracker` section and flags. The
 * service token and tracker secret come from the data dir's secrets only when not
 * given, so a tracker on its own host needs no data dir.
 */
export async function trackerConfigFrom(base: Record<string, unknown>, overrides: Record<string, unknown>): Promise<TrackerConfig> {
  const { resolveTrackerConfig } = await import('../../tracker/config.js');
  const input = section(base, 'tracker', ['host'], overrides);
  if (input.service_token === undefined || input.tracker_secret === undefined) {
    const secrets = loadOrCreateSecrets(dataDirOf(base));
    input.service_token ??= secrets.service_token;
    input.tracker_secret ??= secrets.tracker_secret;
  }
  return resolveTrackerConfig(input);
}

interface TrackerFlags extends CommonServerFlags {
  port?: number;
  registryUrl?: string;
  serviceToken?: string;
  trackerSecret?: string;
  announceInterval?: number;
  udp?: boolean;
}

const seconds = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`not a number of seconds: ${v}`);
  return n;
};

/** `glance-p2p tracker`: the private BitTorrent tracker on its own. */
export function trackerCommand(program: Command): void {
  addCommonServerOptions(
    program
      .command('tracker')
      .description('run the private BitTorrent tracker (HTTP and UDP on one port) for a registry')
      .addOption(portOption('--port', 'GLANCE_P2P_PORT', 'port for HTTP and UDP (default 6969)'))
      .addOption(new Option('--registry-url <url>', 'the registry whose active images may be shared (default http://127.0.0.1:9191)').env('GLANCE_P2P_REGISTRY_URL'))
      .addOption(new Option('--service-token <token>', 'a token with the service role on the registry (default: <data-dir>/secrets/service-token)').env('GLANCE_P2P_SERVICE_TOKEN'))
      .addOption(new Option('--tracker-secret <secret>', 'the secret passkeys are signed with, the same as the registry\'s (default: <data-dir>/secrets/tracker-secret)').env('GLANCE_P2P_TRACKER_SECRET'))
      .addOption(new Option('--announce-interval <seconds>', 'seconds between announces asked of clients (default 30)').env('GLANCE_P2P_ANNOUNCE_INTERVAL').argParser(seconds))
      .addOption(new Option('--no-udp', 'serve HTTP announces only')),
  ).action(async (flags: TrackerFlags) => {
    const base = baseConfig(flags);
    const config = await trackerConfigFrom(base, {
      port: flags.port,
      registry_url: flags.registryUrl,
      service_token: flags.serviceToken,
      tracker_secret: flags.trackerSecret,
      announce_interval: flags.announceInterval,
      udp: flags.udp === false ? false : undefined,
    });
    const log = createLogger(String(base.log_level ?? 'info'));
    const { createTracker } = await import('../../tracker/tracker.js');
    const tracker = createTracker(config, log);
    const address = await tracker.start();
    process.stdout.write(
      [
        `Tracker listening on ${address.httpUrl} (HTTP)${address.udpUrl ? ` and ${address.udpUrl} (UDP)` : ''}${address.udp6Url ? ` and ${address.udp6Url}` : ''}`,
        `  registry:  ${config.registry_url}${tracker.swarmListRevision === undefined ? ' (not reachable yet; retrying)' : ` (${tracker.stats().swarm_list.allowed_swarms} active images)`}`,
        `  announce:  ${address.announceTemplates.join('  ')}`,
        `  stats:     ${address.httpUrl}/stats (admin token)   metrics: ${address.httpUrl}/metrics`,
        '',
      ].join('\n'),
    );
    runUntilSignal(log, [() => tracker.close()]);
  });
}
