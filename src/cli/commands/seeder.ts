import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { createLogger } from '../../core/logger.js';
import { resolveSeederConfig, type SeederConfig } from '../../seeder/config.js';
import { runUntilSignal } from '../run-until-signal.js';
import { loadOrCreateSecrets, type Secrets } from '../secrets.js';
import { addCommonServerOptions, baseConfig, portOption, section, type CommonServerFlags } from '../server-options.js';
import { dataDirOf } from './registry.js';

/** Teller's config from the config file, flags and the data dir's secrets; a file store in the data dir by default. */
export function seederConfigFrom(base: Record<string, unknown>, overrides: Record<string, unknown>, secrets: Secrets, dataDir: string): SeederConfig {
  const input = section(base, 'seeder', ['host', 'data_dir', 'public_url'], overrides);
  input.service_token ??= secrets.service_token;
  input.url_secret ??= secrets.url_secret;
  input.stores ??= [{ id: 'local', type: 'file', options: { root: join(dataDir, 'store') } }];
  return resolveSeederConfig(input);
}

interface SeederFlags extends CommonServerFlags {
  port?: number;
  registryUrl?: string;
  serviceToken?: string;
  urlSecret?: string;
  cacheDir?: string;
  cacheMaxBytes?: number;
  btPort?: number;
}

/** `glance-p2p seeder`: Teller alone, in front of a registry. */
export function seederCommand(program: Command): void {
  addCommonServerOptions(
    program
      .command('seeder')
      .description('run Teller, the verifying caching image proxy and seeder, in front of a registry')
      .addOption(portOption('--port', 'GLANCE_P2P_PORT', 'port to listen on (default 9292)'))
      .addOption(new Option('--registry-url <url>', 'the registry (default http://127.0.0.1:9191)').env('GLANCE_P2P_REGISTRY_URL'))
      .addOption(new Option('--service-token <token>', 'a token with the service role on the registry (default: <data-dir>/secrets/service-token)').env('GLANCE_P2P_SERVICE_TOKEN'))
      .addOption(new Option('--url-secret <secret>', 'secret for signed file URLs, the same on every Teller (default: <data-dir>/secrets/url-secret)').env('GLANCE_P2P_URL_SECRET'))
      .addOption(new Option('--cache-dir <dir>', 'cache folder (default <data-dir>/cache)').env('GLANCE_P2P_CACHE_DIR'))
      .addOption(new Option('--cache-max-bytes <n>', 'cache size cap; 0 turns the cache off').env('GLANCE_P2P_CACHE_MAX_BYTES').argParser(Number))
      .addOption(new Option('--bt-port <port>', 'TCP port Teller seeds on (default: any free one)').env('GLANCE_P2P_BT_PORT').argParser(Number)),
  ).action(async (flags: SeederFlags) => {
    const base = baseConfig(flags);
    const dataDir = dataDirOf(base);
    base.data_dir = dataDir;
    const cache = flags.cacheDir !== undefined || flags.cacheMaxBytes !== undefined ? { dir: flags.cacheDir, max_bytes: flags.cacheMaxBytes } : undefined;
    const seeding = flags.btPort !== undefined ? { port: flags.btPort } : undefined;
    const config = seederConfigFrom(base, { port: flags.port, registry_url: flags.registryUrl, service_token: flags.serviceToken, url_secret: flags.urlSecret, cache, seeding }, loadOrCreateSecrets(dataDir), dataDir);
    const log = createLogger(String(base.log_level ?? 'info'));
    const { buildTeller } = await import('../../seeder/server.js');
    const teller = await buildTeller(config, log);
    const { listenUrl, publicUrl } = await teller.start();
    process.stdout.write(`Teller listening on ${listenUrl}\n  public URL: ${publicUrl}\n  registry:   ${config.registry_url}\n  stores:     ${teller.stores.ids().join(', ')}\n`);
    runUntilSignal(log, [() => teller.close()]);
  });
}
