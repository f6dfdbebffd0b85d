import { existsSync, readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { InvalidInputError } from '../../core/errors.js';
import { JsonClient, dispatcherFor } from '../../core/http-client.js';
import { copiedProperties } from '../../core/image-copy.js';
import { parseImageUri } from '../../core/image-uri.js';
import { CONTAINER_FORMATS, DISK_FORMATS, VISIBILITIES } from '../../core/image.js';
import type { RegistryClient } from '../../core/registry-client.js';
import type { RegistryEntry } from '../../core/registry-directory.js';
import { addClientOptions, registryDirectory, selectedRegistries, type ClientFlags } from '../client-options.js';
import { watchImport } from '../import-watch.js';
import { formatRecord, out } from '../output.js';

interface ImportFlags extends ClientFlags {
  magnet?: string;
  torrent?: string;
  url?: string;
  from?: string;
  name?: string;
  diskFormat?: string;
  containerFormat?: string;
  visibility?: string;
  property?: string[];
  store?: string;
  file?: string;
  wait?: boolean;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** The import method body for the source flag given (exactly one). */
function methodFor(flags: ImportFlags): Record<string, unknown> {
  const given = (['magnet', 'torrent', 'url', 'from'] as const).filter((k) => flags[k] !== undefined);
  if (given.length !== 1) throw new InvalidInputError('Give exactly one of --magnet, --torrent, --url or --from');
  if (flags.file !== undefined && !flags.magnet && !flags.torrent) throw new InvalidInputError('--file only goes with --magnet or --torrent');
  const file = flags.file !== undefined ? { file: flags.file } : {};
  if (flags.magnet) return { name: 'magnet', uri: flags.magnet, ...file };
  if (flags.torrent) {
    if (/^https?:\/\//.test(flags.torrent)) return { name: 'magnet', torrent_url: flags.torrent, ...file };
    if (!existsSync(flags.torrent)) throw new InvalidInputError(`No such .torrent file: ${flags.torrent}`);
    return { name: 'magnet', torrent: readFileSync(flags.torrent).toString('base64'), ...file };
  }
  if (flags.url) return { name: 'web-download', uri: flags.url };
  return { name: 'glance-download', uri: flags.from };
}

/** The new image's attributes: the flags, and for --from the source's name, formats, limits, tags and properties. */
async function imageBody(flags: ImportFlags): Promise<Record<string, unknown>> {
  const body: Record<string, unknown> = {};
  if (flags.from) {
    const { registryUrl, imageId } = parseImageUri(flags.from);
    const directory = registryDirectory(flags);
    const source = await directory.client(directory.forUrl(registryUrl)).get(imageId);
    Object.assign(body, copiedProperties(source), { name: source.name, disk_format: source.disk_format, container_format: source.container_format, min_disk: source.min_disk, min_ram: source.min_ram, tags: source.tags });
  }
  if (flags.name !== undefined) body.name = flags.name;
  if (flags.diskFormat) body.disk_format = flags.diskFormat;
  if (flags.containerFormat) body.container_format = flags.containerFormat;
  if (flags.visibility) body.visibility = flags.visibility;
  for (const p of flags.property ?? []) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new InvalidInputError(`Expected key=value, got ${JSON.stringify(p)}`);
    body[p.slice(0, eq)] = p.slice(eq + 1);
  }
  for (const [k, v] of Object.entries(body)) if (v === null || v === undefined) delete body[k];
  return body;
}

/** The Teller that takes imports for this registry: the one its endpoints name, else the registry URL (a front door). */
async function tellerOf(client: RegistryClient, entry: RegistryEntry): Promise<JsonClient> {
  const endpoints = await client.json<{ seeder: string | null }>('GET', '/p2p/v1/endpoints').catch(() => ({ seeder: null }));
  return new JsonClient(endpoints.seeder ?? client.baseUrl, client.token, dispatcherFor(entry.tls));
}

/** `glance-p2p image import`: create an image and fill it from a magnet, a .torrent, a URL or another registry. */
export function imageImportCommand(image: Command): void {
  addClientOptions(
    image
      .command('import')
      .description('create an image and import its data from a magnet link, a .torrent, an HTTP URL or an image on another registry')
      .addHelpText(
        'after',
        [
          '',
          'A multi-file torrent is stored as ONE image: a tar of all its files (container_format tar,',
          'member names <torrent name>/<path>, made safe), unless --file picks one file, which is then',
          'stored as it is. Magnet and torrent imports need an admin token.',
          '--from copies name, formats, tags and properties of the source image; the copy records',
          'p2p_origin_uri and must hash to the source\'s os_hash_value.',
          '',
          'Exit codes: 0 active; 2 bad arguments; 3 source not found; 4 not allowed; 5 bytes failed',
          'verification; 6 source unreachable, no peers or stalled; 7 cancelled (image deleted); 1 other.',
        ].join('\n'),
      ),
  )
    .option('--magnet <uri>', 'magnet link (admins only)')
    .option('--torrent <file|url>', 'a .torrent file or its URL (admins only)')
    .option('--url <url>', 'HTTP(S) URL of the image (web-download)')
    .option('--from <image-uri>', 'image URI on another registry (glance-download)')
    .option('--file <path>', 'with --magnet/--torrent: import this one file of a multi-file torrent')
    .option('--name <name>', 'image name (default: the torrent\'s or the source image\'s)')
    .addOption(new Option('--disk-format <format>').choices([...DISK_FORMATS]))
    .addOption(new Option('--container-format <format>').choices([...CONTAINER_FORMATS]))
    .addOption(new Option('--visibility <visibility>').choices([...VISIBILITIES]))
    .option('--property <key=value>', 'custom property (repeatable)', collect)
    .option('--store <id>', 'store to put the data in (default: Teller\'s default)')
    .option('--no-wait', 'return once the import started (the image shows the progress)')
    .action(async (flags: ImportFlags) => {
      const method = methodFor(flags);
      const directory = registryDirectory(flags);
      const [entry] = selectedRegistries(flags, directory);
      const client = directory.client(entry!, flags.token);
      const created = await client.create(await imageBody(flags));
      try {
        await (await tellerOf(client, entry!)).json('POST', `/v2/images/${created.id}/import`, { body: { method, ...(flags.store ? { stores: [flags.store] } : {}) } });
      } catch (err) {
        // the import was refused up front: do not leave an empty image behind
        await client.delete(created.id).catch(() => undefined);
        throw err;
      }
      const mode = flags.json ? 'json' : process.stderr.isTTY ? 'bar' : 'quiet';
      if (flags.wait === false) {
        if (flags.json) out(`${JSON.stringify({ phase: 'started', image_id: created.id })}\n`);
        else out(`${created.id} importing\n`);
        return;
      }
      const done = await watchImport(client, created.id, mode);
      if (flags.json) out(`${JSON.stringify({ phase: 'done', ...done })}\n`);
      else out(formatRecord(done));
    });
}
