import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { createLogger } from '../../core/logger.js';
import { resolveRegistryConfig, type RegistryConfig } from '../../registry/config.js';
import { runUntilSignal } from '../run-until-signal.js';
import { loadOrCreateSecrets, type Secrets } from '../secrets.js';
import { addCommonServerOptions, baseConfig, portOption, section, type CommonServerFlags } from '../server-options.js';

/** The registry's config from the config file, flags and the data dir's secrets. */
export function registryConfigFrom(base: Record<string, unknown>, overrides: Record<string, unknown>, secrets: Secrets): RegistryConfig {
  const input = section(base, 'registry', ['host', 'data_dir', 'admin_token', 'public_url'], overrides);
  input.admin_token ??= secrets.admin_token;
  input.service_token ??= secrets.service_token;
  input.tracker_secret ??= secrets.tracker_secret;
  return resolveRegistryConfig(input);
}

/** The data dir a command works in, absolute. */
export function dataDirOf(base: Record<string, unknown>): string {
  return resolve(typeof base.data_dir === 'string' ? base.data_dir : './data');
}

/** `glance-p2p registry`: Parallax alone. */
export function registryCommand(program: Command): void {
  addCommonServerOptions(
    program
      .command('registry')
      .description('run Parallax, the image registry, on its own')
      .addOption(portOption('--port', 'GLANCE_P2P_PORT', 'port to listen on (default 9191)'))
      .addOption(new Option('--service-token <token>', 'bootstrap token with the service role, for Teller and the tracker (default: <data-dir>/secrets/service-token)').env('GLANCE_P2P_SERVICE_TOKEN'))
      .addOption(new Option('--tracker-secret <secret>', 'the secret passkeys are signed with, shared with the tracker (default: <data-dir>/secrets/tracker-secret)').env('GLANCE_P2P_TRACKER_SECRET'))
      .addOption(new Option('--tracker-url <url>', 'a tracker torrents announce to, e.g. http://tracker:6969 (repeatable: images are spread over them)').env('GLANCE_P2P_TRACKER_URL').argParser((v: string, prev: string[] = []) => [...prev, v]))
      .addOption(new Option('--seeder-url <url>', 'public URL of the Teller that serves this registry\'s data').env('GLANCE_P2P_SEEDER_URL')),
  ).action(async (flags: CommonServerFlags & { port?: number; serviceToken?: string; trackerSecret?: string; trackerUrl?: string[]; seederUrl?: string }) => {
    const base = baseConfig(flags);
    const dataDir = dataDirOf(base);
    base.data_dir = dataDir;
    const trackers = flags.trackerUrl?.map((url) => ({ announce: [`${url.replace(/\/+$/, '').replace(/\/announce$/, '')}/announce?passkey={passkey}`] }));
    const config = registryConfigFrom(
      base,
      { port: flags.port, service_token: flags.serviceToken, tracker_secret: flags.trackerSecret, seeder_url: flags.seederUrl, ...(trackers ? { trackers } : {}) },
      loadOrCreateSecrets(dataDir),
    );
    const log = createLogger(String(base.log_level ?? 'info'));
    const { buildRegistry } = await import('../../registry/server.js');
    const registry = await buildRegistry(config, log);
    const { listenUrl, publicUrl } = await registry.start();
    process.stdout.write(`Parallax registry listening on ${listenUrl}\n`);
    process.stdout.write(`  public URL:  ${publicUrl}\n  data:        ${dataDir}\n  admin token: ${config.admin_token === base.admin_token ? '(as given)' : `${dataDir}/secrets/admin-token`}\n  API docs:    ${listenUrl}/docs\n`);
    runUntilSignal(log, [() => registry.close()]);
  });
}
