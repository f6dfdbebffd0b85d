import { Option, type Command } from 'commander';
import { mergeConfig, readConfigFile } from '../core/config.js';

/** Flags every server command takes; each also reads a GLANCE_P2P_* environment variable. */
export interface CommonServerFlags {
  host?: string;
  dataDir?: string;
  adminToken?: string;
  publicUrl?: string;
  config?: string;
  logLevel?: string;
}

const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`not a port: ${v}`);
  return n;
};

/** Add a port flag with its environment variable. */
export function portOption(flag: string, env: string, description: string): Option {
  return new Option(`${flag} <port>`, description).env(env).argParser(int);
}

/** Add --host, --data-dir, --admin-token, --public-url, --config and --log-level. */
export function addCommonServerOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--host <address>', 'address to bind (default 127.0.0.1)').env('GLANCE_P2P_HOST'))
    .addOption(new Option('--data-dir <dir>', 'where SQLite, the file store, the cache and secrets live (default ./data)').env('GLANCE_P2P_DATA_DIR'))
    .addOption(new Option('--admin-token <token>', 'bootstrap admin token (default: generated once into <data-dir>/secrets/admin-token)').env('GLANCE_P2P_ADMIN_TOKEN'))
    .addOption(new Option('--public-url <url>', 'base URL of image URIs (default derived from host and port)').env('GLANCE_P2P_PUBLIC_URL'))
    .addOption(new Option('--config <file>', 'YAML or JSON config file').env('GLANCE_P2P_CONFIG'))
    .addOption(new Option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent').env('GLANCE_P2P_LOG_LEVEL'));
}

/** The config file (if any) with the common flags laid over its top level. */
export function baseConfig(flags: CommonServerFlags): Record<string, unknown> {
  const file = flags.config ? readConfigFile(flags.config) : {};
  return mergeConfig(file, {
    host: flags.host,
    data_dir: flags.dataDir,
    admin_token: flags.adminToken,
    public_url: flags.publicUrl,
    log_level: flags.logLevel,
  });
}

/** A part's section of the config, inheriting the shared top-level keys it knows. */
export function section(base: Record<string, unknown>, name: string, inherit: string[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const inherited: Record<string, unknown> = {};
  for (const key of inherit) inherited[key] = base[key];
  return mergeConfig(inherited, base[name] as Record<string, unknown> | undefined, overrides);
}
