import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildProgram } from '../../src/cli/main.js';

// No Docker engine runs here: check what can be checked without one. Every service's
// command must be a glance-p2p subcommand with options it really has.
describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8')) as { services: Record<string, { command: string[]; entrypoint?: string[] }> };
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

  it('an entrypoint override still runs the one executable, with node flags this node accepts', () => {
    for (const service of Object.values(compose.services)) {
      if (!service.entrypoint) continue;
      const [node, ...rest] = service.entrypoint;
      expect(node).toBe('node');
      expect(rest.at(-1)).toBe('bin/glance-p2p.js');
      const flags = rest.slice(0, -1);
      expect(() => execFileSync(process.execPath, [...flags, '-e', '0'], { stdio: 'pipe' })).not.toThrow();
    }
    expect(compose.services.agent!.entrypoint).toContain('--initial-old-space-size=128');
  });
});
