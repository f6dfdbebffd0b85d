import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildProgram } from '../../src/cli/main.js';

// No Docker engine runs here: check what can be checked without one. Every service's
// command must be a glance-p2p subcommand with options it really has.
describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8')) as { services: Record<string, { command: string[] }> };
  const program = buildProgram();

  it('runs registry, seeder, tracker and agent', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['agent', 'registry', 'seeder', 'tracker']);
  });

  for (const [name, service] of Object.entries(compose.services)) {
    it(`${name}: its command is a valid glance-p2p invocation`, () => {
      const [sub, ...args] = service.command;
      const command = program.commands.find((c) => c.name() === sub);
      expect(command, `no subcommand ${sub}`).toBeDefined();
      const known = new Set(command!.options.flatMap((o) => [o.long, o.short].filter(Boolean)));
      for (const arg of args.filter((a) => a.startsWith('-'))) expect(known.has(arg), `${sub} has no option ${arg}`).toBe(true);
    });
  }
});
