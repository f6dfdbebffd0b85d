import { InvalidInputError } from '../../core/errors.js';

/** Something that tells the time; tests put in a fixed one. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** The stored form of a time: ISO 8601 UTC with milliseconds, so text order is time order. */
export function storedTime(date: Date): string {
  return date.toISOString();
}

/** The API form of a time, as Glance shows it: seconds precision, `Z`. */
export function apiTime(stored: string): string {
  return `${stored.slice(0, 19)}Z`;
}

/** Parse a client-given ISO 8601 time into the stored form; 400 when it is not one. */
export function parseClientTime(value: string, field: string): string {
  if (!/^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) {
    throw new InvalidInputError(`Invalid time for ${field}: ${JSON.stringify(value)} (expected ISO 8601)`);
  }
  const date = new Date(value.length === 10 ? `${value}T00:00:00Z` : /Z|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value}Z`);
  if (Number.isNaN(date.getTime())) throw new InvalidInputError(`Invalid time for ${field}: ${JSON.stringify(value)}`);
  return date.toISOString();
}
