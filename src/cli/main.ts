import { Command, CommanderError } from 'commander';
import { GlanceError } from '../core/errors.js';
import { agentCommand } from './commands/agent.js';
import { fetchCommand } from './commands/fetch.js';
import { imageCommand } from './commands/image.js';
import { imageDataCommands } from './commands/image-data.js';
import { imageImportCommand } from './commands/image-import.js';
import { registryCommand } from './commands/registry.js';
import { seederCommand } from './commands/seeder.js';
import { tokenCommand } from './commands/token.js';
import { trackerCommand } from './commands/tracker.js';
import { upCommand } from './commands/up.js';
import { EXIT, exitCodeFor } from './exit-codes.js';

/** Build the `glance-p2p` program with every subcommand. */
export function buildProgram(): Command {
  const program = new Command('glance-p2p')
    .description('Glance P2P: image registry (Parallax), seeder (Teller), private tracker and host agent')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  upCommand(program);
  registryCommand(program);
  seederCommand(program);
  trackerCommand(program);
  const image = imageCommand(program);
  imageDataCommands(image);
  imageImportCommand(image);
  fetchCommand(program);
  agentCommand(program);
  tokenCommand(program);
  return program;
}

/** Run the CLI: errors print one clear line and pick an exit code. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
      return;
    }
    const message = err instanceof GlanceError || err instanceof Error ? err.message : String(err);
    process.stderr.write(`glance-p2p: ${message}\n`);
    process.exitCode = exitCodeFor(err);
  }
}
