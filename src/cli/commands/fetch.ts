import { copyFile, link, mkdir, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { resolveAgentConfig, type AgentConfig } from '../../agent-peer/config.js';
import { fetchSummary } from '../../agent-peer/fetcher.js';
import { createLogger } from '../../core/logger.js';
import { mergeConfig } from '../../core/config.js';
import { clientConfigFile } from '../client-options.js';
import { parseDuration } from '../duration.js';
import { ProgressView } from '../progress-view.js';

/** The agent's config: the config file's `agent` section, its `registries`, and flags. */
export function agentConfigFrom(file: Record<string, unknown>, overrides: Record<string, unknown>): AgentConfig {
  return resolveAgentConfig(mergeConfig({ data_dir: file.data_dir, registries: file.registries }, file.agent as Record<string, unknown> | undefined, overrides));
}

interface FetchFlags {
  output?: string;
  unpack?: string;
  token?: string;
  p2p?: boolean;
  seedFor?: string;
  json?: boolean;
  config?: string;
  dataDir?: string;
  btPort?: number;
}

/** Put the fetched file at `output`: a hard link when on the same file system, else a copy. */
async function place(source: string, output: string): Promise<void> {
  await mkdir(dirname(output), { recursive: true });
  await rm(output, { force: true });
  try {
    await link(source, output);
  } catch {
    await copyFile(source, output);
  }
}

/** `glance-p2p fetch <image-uri>`: get an image onto this host (swarm first, HTTP fallback), verified. */
export function fetchCommand(program: Command): void {
  program
    .command('fetch')
    .description(
      'fetch an image by its URI: through the swarm (Teller joins as a web seed when peers are missing or slow), ' +
        'checked against the registry\'s SHA-256, unpacked by container_format (tar, tar.gz, ova, zip) with --unpack',
    )
    .argument('<image-uri>', 'e.g. http://127.0.0.1:9292/v2/images/<id>')
    .option('-o, --output <file>', 'where to put the image (default: only in the agent cache; its path is printed)')
    .option('--unpack <dir>', 'unpack the image into this folder by its container_format')
    .addOption(new Option('--token <token>', 'token for the image\'s registry (default: the config entry\'s)').env('GLANCE_P2P_TOKEN'))
    .option('--no-p2p', 'plain HTTP from Teller, with Range resume')
    .option('--seed-for <duration>', 'keep seeding this long afterwards (e.g. 30s, 10m)', '0')
    .option('--json', 'progress as JSON lines')
    .addOption(new Option('--config <file>', 'YAML or JSON: `registries` and an `agent` section').env('GLANCE_P2P_CONFIG'))
    .addOption(new Option('--data-dir <dir>', 'the agent cache lives in <data-dir>/agent').env('GLANCE_P2P_DATA_DIR'))
    .addOption(new Option('--bt-port <port>', 'TCP port for peers').argParser(Number))
    .action(async (uri: string, flags: FetchFlags) => {
      const seedMs = parseDuration(flags.seedFor ?? '0');
      const config = agentConfigFrom(clientConfigFile(flags), { data_dir: flags.dataDir, bt_port: flags.btPort });
      const log = createLogger(process.env.GLANCE_P2P_LOG_LEVEL ?? 'warn');
      const view = new ProgressView(flags.json ? 'json' : process.stderr.isTTY ? 'bar' : 'quiet');
      const { Agent } = await import('../../agent-peer/agent.js');
      const agent = new Agent(config, log);
      try {
        const result = await agent.fetcher.fetch(uri, { ...(flags.token ? { token: flags.token } : {}), noP2p: flags.p2p === false, onProgress: (p) => view.update(p) });
        let path = result.path;
        if (flags.output) {
          path = resolve(flags.output);
          await place(result.path, path);
        }
        let members = 0;
        if (flags.unpack) {
          view.update({ phase: 'unpacking', image_id: result.image.id, bytes: result.size, total: result.size, rate: 0, peers: 0, swarm_bytes: result.counts.fromPeers, http_bytes: result.counts.fromWebSeeds, eta_s: 0 });
          const { unpackImage } = await import('../../agent-peer/unpack/unpack.js');
          const unpacked = await unpackImage(result.path, result.image.container_format, resolve(flags.unpack));
          members = unpacked.members;
          if (unpacked.kind !== 'none') path = resolve(flags.unpack);
        }
        if (seedMs > 0 && result.source === 'swarm') {
          view.update({ phase: 'seeding', image_id: result.image.id, bytes: result.size, total: result.size, rate: 0, peers: 0, swarm_bytes: result.counts.fromPeers, http_bytes: result.counts.fromWebSeeds, eta_s: Math.round(seedMs / 1000) });
          await new Promise((r) => setTimeout(r, seedMs));
        }
        view.done({
          path,
          ...fetchSummary(result),
          uploaded: result.counts.uploaded,
          ...(flags.unpack ? { unpacked_members: members } : {}),
        });
      } finally {
        view.stop();
        await agent.close();
      }
    });
}
