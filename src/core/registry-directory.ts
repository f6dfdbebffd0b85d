import { Type, type Static } from '@sinclair/typebox';
import { validateConfig } from './config.js';
import { InvalidInputError } from './errors.js';
import { dispatcherFor } from './http-client.js';
import { RegistryClient } from './registry-client.js';

/** A registry a client knows: a name, its URL, and optionally a token and TLS settings. */
export const RegistryEntrySchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    url: Type.String({ pattern: '^https?://' }),
    token: Type.Optional(Type.String()),
    tls: Type.Optional(Type.Object({ ca_file: Type.Optional(Type.String()), insecure: Type.Optional(Type.Boolean()) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type RegistryEntry = Static<typeof RegistryEntrySchema>;

export const RegistryListSchema = Type.Array(RegistryEntrySchema, { default: [] });

/** Validate a list of registry entries from a config file. */
export function parseRegistryEntries(input: unknown): RegistryEntry[] {
  const entries = validateConfig(RegistryListSchema, input ?? [], 'registries');
  const names = new Set<string>();
  for (const e of entries) {
    if (names.has(e.name)) throw new InvalidInputError(`Registry name given twice: ${e.name}`);
    names.add(e.name);
  }
  return entries;
}

function normal(url: string): string {
  return url.replace(/\/+$/, '');
}

/**
 * The configured registries. An image URI picks its registry by the longest URL
 * prefix; a URI whose registry is not configured is used anonymously.
 */
export class RegistryDirectory {
  constructor(readonly entries: RegistryEntry[]) {}

  /** An entry by name, or by URL (unknown URLs become anonymous entries). */
  find(nameOrUrl: string): RegistryEntry {
    const byName = this.entries.find((e) => e.name === nameOrUrl);
    if (byName) return byName;
    if (/^https?:\/\//.test(nameOrUrl)) return this.forUrl(nameOrUrl);
    throw new InvalidInputError(`No registry named '${nameOrUrl}' in the config (known: ${this.entries.map((e) => e.name).join(', ') || 'none'})`);
  }

  /** The entry whose URL is the longest prefix of `url`, or an anonymous entry for its origin. */
  forUrl(url: string): RegistryEntry {
    const target = normal(url);
    return this.configured(target) ?? { name: new URL(target).host, url: target.replace(/\/v2\/images\/.*$/, '') };
  }

  /** The configured entry whose URL is the longest prefix of `url`, if any. */
  configured(url: string): RegistryEntry | undefined {
    const target = normal(url);
    let best: RegistryEntry | undefined;
    for (const e of this.entries) {
      const base = normal(e.url);
      if ((target === base || target.startsWith(`${base}/`)) && (!best || base.length > normal(best.url).length)) best = e;
    }
    return best;
  }

  /** A client for an entry (its token unless one is given explicitly). */
  client(entry: RegistryEntry, token?: string): RegistryClient {
    return new RegistryClient(entry.url, token ?? entry.token, dispatcherFor(entry.tls));
  }
}
