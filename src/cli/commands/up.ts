import type { Command } from 'commander';
import { createLogger } from '../../core/logger.js';
import { runUntilSignal } from '../run-until-signal.js';
import { loadOrCreateSecrets } from '../secrets.js';
import { addCommonServerOptions, baseConfig, portOption, type CommonServerFlags } from '../server-options.js';
import { dataDirOf, registryConfigFrom } from './registry.js';
import { seederConfigFrom } from './seeder.js';
import { trackerConfigFrom } from './tracker.js';

interface UpFlags extends CommonServerFlags {
  registryPort?: number;
  seederPort?: number;
  trackerPort?: number;
}

/** Announce templates as peers elsewhere must see them: a wildcard bind is replaced by the public host. */
function reachable(templates: string[], publicUrl: string | undefined): string[] {
  if (!publicUrl) return templates;
  const host = new URL(publicUrl).hostname;
  return templates.map((t) => t.replace(/^(\w+:\/\/)[^/:]+|^(\w+:\/\/)\[[^\]]+\]/, (_m, a: string | undefined, b: string | undefined) => `${a ?? b}${host.includes(':') ? `[${host}]` : host}`));
}

/** `glance-p2p up`: the embedded default, every part in one process with data under ./data. */
export function upCommand(program: Command): void {
  addCommonServerOptions(
    program
      .command('up')
      .description('run the embedded default: registry + seeder + tracker, SQLite and a file store under --data-dir')
      .addOption(portOption('--registry-port', 'GLANCE_P2P_REGISTRY_PORT', 'registry port (default 9191)'))
      .addOption(portOption('--seeder-port', 'GLANCE_P2P_SEEDER_PORT', 'seeder (Teller) port (default 9292)'))
      .addOption(portOption('--tracker-port', 'GLANCE_P2P_TRACKER_PORT', 'tracker port, HTTP and UDP (default 6969)')),
  ).action(async (flags: UpFlags) => {
    const base = baseConfig(flags);
    const dataDir = dataDirOf(base);
    base.data_dir = dataDir;
    const secrets = loadOrCreateSecrets(dataDir);
    const log = createLogger(String(base.log_level ?? 'info'));
    const { buildRegistry } = await import('../../registry/server.js');
    const { buildTeller } = await import('../../seeder/server.js');
    const { createTracker } = await import('../../tracker/tracker.js');
    // The tracker first: the registry's torrents must name it.
    const tracker = createTracker(await trackerConfigFrom(base, { port: flags.trackerPort }), log);
    const trackerAddress = await tracker.listen();
    const registryConfig = registryConfigFrom(base, { port: flags.registryPort }, secrets);
    if (registryConfig.trackers.length === 0) registryConfig.trackers = [{ announce: reachable(trackerAddress.announceTemplates, base.public_url as string | undefined) }];
    const registry = await buildRegistry(registryConfig, log);
    const { listenUrl: registryUrl } = await registry.start();
    await tracker.start({ registryUrl });
    const teller = await buildTeller(seederConfigFrom(base, { port: flags.seederPort, registry_url: registryUrl }, secrets, dataDir), log);
    const { listenUrl: tellerUrl, publicUrl } = await teller.start();
    // One front door: image URIs and Glance clients use Teller, which forwards metadata to the registry.
    registry.setFrontDoor(publicUrl);
    const adminToken = String(base.admin_token ?? secrets.admin_token);
    process.stdout.write(
      [
        `glance-p2p up: data in ${dataDir}`,
        `  front door (Teller):  ${tellerUrl}   <- point glance clients, agents and image URIs here`,
        `  registry (Parallax):  ${registryUrl}`,
        `  tracker:              ${trackerAddress.httpUrl}/announce${trackerAddress.udpUrl ? `, ${trackerAddress.udpUrl}` : ''}`,
        `  API docs:             ${registryUrl}/docs`,
        `  admin token:          ${adminToken}`,
        '',
      ].join('\n'),
    );
    runUntilSignal(log, [() => tracker.close(), () => registry.close(), () => teller.close()]);
  });
}
