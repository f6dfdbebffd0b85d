import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { InvalidInputError } from './errors.js';

/** Read a YAML or JSON config file into a plain object. */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InvalidInputError(`Cannot read config file ${path}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new InvalidInputError(`Config file ${path} is not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
  if (value == null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidInputError(`Config file ${path} must hold a mapping at the top level`);
  return value as Record<string, unknown>;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Merge config layers left to right; later layers win, undefined values are ignored. */
export function mergeConfig(...layers: Array<Record<string, unknown> | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      out[key] = isPlainObject(value) && isPlainObject(out[key]) ? mergeConfig(out[key] as Record<string, unknown>, value) : value;
    }
  }
  return out;
}

/** Apply a schema's defaults, convert strings from env/flags, and validate; errors name the field. */
export function validateConfig<T extends TSchema>(schema: T, input: unknown, where = 'config'): Static<T> {
  const value = Value.Convert(schema, Value.Default(schema, structuredClone(input ?? {})));
  const errors = [...Value.Errors(schema, value)];
  if (errors.length > 0) {
    const shown = errors.slice(0, 5).map((e) => `${e.path || '/'}: ${e.message}`).join('; ');
    throw new InvalidInputError(`Invalid ${where}: ${shown}`);
  }
  return value as Static<T>;
}
