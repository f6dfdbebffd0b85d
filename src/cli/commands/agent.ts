import { Option, type Command } from 'commander';
import { createLogger } from '../../core/logger.js';
import { clientConfigFile } from '../client-options.js';
import { runUntilSignal } from '../run-until-signal.js';
import { portOption } from '../server-options.js';
import { agentConfigFrom } from './fetch.js';

/** `glance-p2p agent`: the host daemon with a local API, keeping and seeding what it fetched. */
export function agentCommand(program: Command): void {
  program
    .command('agent')
    .description('run the host agent: a local API (POST /v1/fetch {"image_uri": …} answers with a path), a content-addressed cache, seeding of everything held')
    .addOption(portOption('--port', 'GLANCE_P2P_AGENT_PORT', 'local API port (default 7000)'))
    .addOption(new Option('--host <address>', 'local API address (default 127.0.0.1)').env('GLANCE_P2P_AGENT_HOST'))
    .addOption(new Option('--bt-port <port>', 'TCP port for peers (default: any)').env('GLANCE_P2P_BT_PORT').argParser(Number))
    .addOption(new Option('--cache-max-bytes <n>', 'cap on the bytes of images kept').env('GLANCE_P2P_CACHE_MAX_BYTES').argParser(Number))
    .addOption(new Option('--data-dir <dir>', 'the cache lives in <data-dir>/agent').env('GLANCE_P2P_DATA_DIR'))
    .addOption(new Option('--config <file>', 'YAML or JSON: `registries` and an `agent` section').env('GLANCE_P2P_CONFIG'))
    .addOption(new Option('--log-level <level>').env('GLANCE_P2P_LOG_LEVEL'))
    .action(async (flags: { port?: number; host?: string; btPort?: number; cacheMaxBytes?: number; dataDir?: string; config?: string; logLevel?: string }) => {
      const config = agentConfigFrom(clientConfigFile(flags), { port: flags.port, host: flags.host, bt_port: flags.btPort, cache_max_bytes: flags.cacheMaxBytes, data_dir: flags.dataDir });
      const log = createLogger(flags.logLevel ?? 'info');
      const { buildAgentDaemon } = await import('../../agent-peer/daemon/server.js');
      const daemon = await buildAgentDaemon(config, log);
      const url = await daemon.start();
      process.stdout.write(`glance-p2p agent listening on ${url}\n  cache:     ${daemon.agent.cache.dir}\n  peers on:  TCP ${await (await daemon.agent.swarm()).ready()}\n  try:       curl -s -XPOST ${url}/v1/fetch -H 'content-type: application/json' -d '{"image_uri": "…"}'\n`);
      runUntilSignal(log, [() => daemon.close()]);
    });
}
