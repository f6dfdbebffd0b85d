import { Command, Option } from 'commander';
import { InvalidInputError } from '../../core/errors.js';
import { parseImageUri } from '../../core/image-uri.js';
import { CONTAINER_FORMATS, DISK_FORMATS, VISIBILITIES, isUuid } from '../../core/image.js';
import type { PatchOperation, RegistryClient } from '../../core/registry-client.js';
import { addClientOptions, registryDirectory, selectedRegistries, singleClient, type ClientFlags } from '../client-options.js';
import { formatRecord, formatTable, out, outJson } from '../output.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `k=v` → [k, v]. */
function keyValue(text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InvalidInputError(`Expected key=value, got ${JSON.stringify(text)}`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

function bool(text: string): boolean {
  if (/^(true|yes|1)$/i.test(text)) return true;
  if (/^(false|no|0)$/i.test(text)) return false;
  throw new InvalidInputError(`Expected true or false, got ${JSON.stringify(text)}`);
}

function nonNegativeInt(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidInputError(`Expected a non-negative integer, got ${JSON.stringify(text)}`);
  return n;
}

/** A client and an image id for an argument that is an id or a full image URI. */
export function clientFor(flags: ClientFlags, idOrUri: string): { client: RegistryClient; id: string } {
  if (isUuid(idOrUri)) return { client: singleClient(flags), id: idOrUri.toLowerCase() };
  const { registryUrl, imageId } = parseImageUri(idOrUri);
  const directory = registryDirectory(flags);
  return { client: directory.client(directory.forUrl(registryUrl), flags.token), id: imageId };
}

const LIST_COLUMNS = ['id', 'name', 'status', 'visibility', 'size', 'disk_format', 'container_format'];

async function listCommand(flags: ClientFlags & { filter?: string[]; sort?: string; limit?: string; q?: string; tag?: string[] }): Promise<void> {
  const query = new URLSearchParams();
  for (const f of flags.filter ?? []) query.append(...keyValue(f));
  for (const t of flags.tag ?? []) query.append('tag', t);
  if (flags.sort) query.set('sort', flags.sort);
  if (flags.q) query.set('q', flags.q);
  const max = flags.limit ? nonNegativeInt(flags.limit) : Infinity;
  if (Number.isFinite(max)) query.set('limit', String(Math.min(max, 1000)));
  const directory = registryDirectory(flags);
  const entries = selectedRegistries(flags, directory);
  const results = await Promise.all(
    entries.map(async (entry) => {
      try {
        const images = await directory.client(entry, flags.token).listAll(query, max);
        return { entry, images, error: undefined as string | undefined, cause: undefined as unknown };
      } catch (err) {
        return { entry, images: [], error: (err as Error).message, cause: err };
      }
    }),
  );
  const many = entries.length > 1;
  if (!many && results[0]!.error) throw results[0]!.cause;
  if (flags.json) {
    outJson(many ? results.map((r) => ({ registry: r.entry.name, url: r.entry.url, images: r.images, ...(r.error ? { error: r.error } : {}) })) : results[0]!.error ? { error: results[0]!.error } : results[0]!.images);
  } else {
    const rows = results.flatMap((r): Array<Record<string, unknown>> =>
      r.error ? [{ registry: r.entry.name, id: 'ERROR', name: r.error }] : r.images.map((i) => ({ registry: r.entry.name, ...i })),
    );
    out(formatTable(rows, many ? ['registry', ...LIST_COLUMNS] : LIST_COLUMNS));
  }
  if (results.some((r) => r.error)) process.exitCode = 1;
}

function printImage(flags: ClientFlags, image: Record<string, unknown>): void {
  if (flags.json) outJson(image);
  else out(formatRecord(image));
}

/** `glance-p2p image …`: list, show, create, update, delete, tag. */
export function imageCommand(program: Command): Command {
  const image = program.command('image').description('manage images in a registry');

  addClientOptions(image.command('list').description('list images (several registries at once with --registry a --registry b or --all)'))
    .option('--all', 'search every configured registry')
    .option('--filter <key=value>', 'filter, e.g. status=active, name=in:a,b, size_min=1024, os_distro=ubuntu (repeatable)', collect)
    .option('--tag <tag>', 'only images with this tag (repeatable)', collect)
    .option('--sort <key:dir,…>', 'sort order, e.g. name:asc,created_at:desc')
    .option('--limit <n>', 'at most this many images')
    .option('-q, --q <text>', 'full-text search over name, tags and properties')
    .action(listCommand);

  addClientOptions(image.command('show').description('show one image').argument('<id|uri>', 'image id or image URI')).action(async (idOrUri: string, flags: ClientFlags) => {
    const { client, id } = clientFor(flags, idOrUri);
    printImage(flags, await client.get(id));
  });

  addClientOptions(image.command('create').description('register an image (status queued; upload or import its data afterwards)'))
    .option('--id <uuid>', 'use this id')
    .option('--name <name>', 'image name')
    .addOption(new Option('--disk-format <format>').choices([...DISK_FORMATS]))
    .addOption(new Option('--container-format <format>').choices([...CONTAINER_FORMATS]))
    .addOption(new Option('--visibility <visibility>').choices([...VISIBILITIES]))
    .option('--protected <bool>', 'forbid deletion')
    .option('--min-disk <GB>')
    .option('--min-ram <MB>')
    .option('--property <key=value>', 'custom property (repeatable)', collect)
    .option('--tag <tag>', 'tag (repeatable)', collect)
    .action(async (flags: ClientFlags & Record<string, any>) => {
      const body: Record<string, unknown> = {};
      if (flags.id) body.id = flags.id;
      if (flags.name !== undefined) body.name = flags.name;
      if (flags.diskFormat) body.disk_format = flags.diskFormat;
      if (flags.containerFormat) body.container_format = flags.containerFormat;
      if (flags.visibility) body.visibility = flags.visibility;
      if (flags.protected !== undefined) body.protected = bool(flags.protected);
      if (flags.minDisk !== undefined) body.min_disk = nonNegativeInt(flags.minDisk);
      if (flags.minRam !== undefined) body.min_ram = nonNegativeInt(flags.minRam);
      if (flags.tag) body.tags = flags.tag;
      for (const p of (flags.property as string[] | undefined) ?? []) {
        const [k, v] = keyValue(p);
        body[k] = v;
      }
      printImage(flags, await singleClient(flags).create(body));
    });

  addClientOptions(image.command('update').description('change an image (a JSON patch)').argument('<id|uri>'))
    .option('--name <name>')
    .addOption(new Option('--disk-format <format>').choices([...DISK_FORMATS]))
    .addOption(new Option('--container-format <format>').choices([...CONTAINER_FORMATS]))
    .addOption(new Option('--visibility <visibility>').choices([...VISIBILITIES]))
    .option('--protected <bool>')
    .option('--min-disk <GB>')
    .option('--min-ram <MB>')
    .option('--property <key=value>', 'set a custom property (repeatable)', collect)
    .option('--remove-property <key>', 'remove a custom property (repeatable)', collect)
    .action(async (idOrUri: string, flags: ClientFlags & Record<string, any>) => {
      const ops: PatchOperation[] = [];
      const set = (name: string, value: unknown) => ops.push({ op: 'replace', path: `/${name}`, value });
      if (flags.name !== undefined) set('name', flags.name);
      if (flags.diskFormat) set('disk_format', flags.diskFormat);
      if (flags.containerFormat) set('container_format', flags.containerFormat);
      if (flags.visibility) set('visibility', flags.visibility);
      if (flags.protected !== undefined) set('protected', bool(flags.protected));
      if (flags.minDisk !== undefined) set('min_disk', nonNegativeInt(flags.minDisk));
      if (flags.minRam !== undefined) set('min_ram', nonNegativeInt(flags.minRam));
      for (const p of (flags.property as string[] | undefined) ?? []) {
        const [k, v] = keyValue(p);
        ops.push({ op: 'add', path: `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, value: v });
      }
      for (const k of (flags.removeProperty as string[] | undefined) ?? []) ops.push({ op: 'remove', path: `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}` });
      if (ops.length === 0) throw new InvalidInputError('Nothing to update: give at least one option');
      const { client, id } = clientFor(flags, idOrUri);
      printImage(flags, await client.patch(id, ops));
    });

  addClientOptions(image.command('delete').description('delete images').argument('<id|uri...>')).action(async (ids: string[], flags: ClientFlags) => {
    for (const idOrUri of ids) {
      const { client, id } = clientFor(flags, idOrUri);
      await client.delete(id);
      if (!flags.json) out(`deleted ${id}\n`);
    }
  });

  addClientOptions(image.command('tag').description('add tags to an image (or remove them with --remove)').argument('<id|uri>').argument('<tag...>'))
    .option('--remove', 'remove the tags instead')
    .action(async (idOrUri: string, tags: string[], flags: ClientFlags & { remove?: boolean }) => {
      const { client, id } = clientFor(flags, idOrUri);
      for (const tag of tags) await (flags.remove ? client.removeTag(id, tag) : client.addTag(id, tag));
      printImage(flags, await client.get(id));
    });
  return image;
}
