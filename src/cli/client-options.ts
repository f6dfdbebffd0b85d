import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { readConfigFile } from '../core/config.js';
import { RegistryDirectory, parseRegistryEntries, type RegistryEntry } from '../core/registry-directory.js';
import type { RegistryClient } from '../core/registry-client.js';

/** Flags of commands that talk to registries. */
export interface ClientFlags {
  registry?: string[];
  token?: string;
  config?: string;
  json?: boolean;
  all?: boolean;
}

export const DEFAULT_REGISTRY_URL = 'http://127.0.0.1:9191';

/** Add --registry (repeatable), --token, --config and --json. */
export function addClientOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--registry <name|url>', 'registry to talk to: a name from the config or a URL (repeatable where it makes sense)').env('GLANCE_P2P_REGISTRY').argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]))
    .addOption(new Option('--token <token>', 'auth token (default: the registry entry\'s token)').env('GLANCE_P2P_TOKEN'))
    .addOption(new Option('--config <file>', 'YAML or JSON config with `registries: [{name, url, token, tls}]`').env('GLANCE_P2P_CONFIG'))
    .option('--json', 'print JSON instead of tables');
}

/** The config file a client uses: --config, or ~/.config/glance-p2p/config.yaml when present. */
export function clientConfigFile(flags: ClientFlags): Record<string, unknown> {
  if (flags.config) return readConfigFile(flags.config);
  const fallback = join(homedir(), '.config', 'glance-p2p', 'config.yaml');
  return existsSync(fallback) ? readConfigFile(fallback) : {};
}

/** The registries configured for this client. */
export function registryDirectory(flags: ClientFlags): RegistryDirectory {
  const file = clientConfigFile(flags);
  return new RegistryDirectory(parseRegistryEntries(file.registries));
}

/** The registries a command addresses: --registry values, every configured one with --all, or the default. */
export function selectedRegistries(flags: ClientFlags, directory = registryDirectory(flags)): RegistryEntry[] {
  if (flags.all) return directory.entries.length > 0 ? directory.entries : [{ name: 'default', url: DEFAULT_REGISTRY_URL }];
  if (flags.registry && flags.registry.length > 0) return flags.registry.map((r) => directory.find(r));
  return [directory.entries[0] ?? { name: 'default', url: DEFAULT_REGISTRY_URL }];
}

/** A client for the one registry a command talks to. */
export function singleClient(flags: ClientFlags): RegistryClient {
  const directory = registryDirectory(flags);
  const [entry] = selectedRegistries(flags, directory);
  return directory.client(entry!, flags.token);
}
