import { Option, type Command } from 'commander';
import { ROLES } from '../../core/principal.js';
import { addClientOptions, singleClient, type ClientFlags } from '../client-options.js';
import { formatRecord, formatTable, out, outJson } from '../output.js';

/** `glance-p2p token …`: create, list and revoke API tokens (admin). */
export function tokenCommand(program: Command): void {
  const token = program.command('token').description('manage API tokens (needs an admin token)');

  addClientOptions(token.command('create').description('create a token; its secret is printed once'))
    .requiredOption('--user <id>', 'user id')
    .requiredOption('--project <id>', 'project (tenant) id: the owner of the images this user creates')
    .addOption(new Option('--role <role>', 'role (repeatable)').choices([...ROLES]).argParser((v: string, prev: string[] = []) => [...prev, v]))
    .option('--description <text>')
    .option('--expires-at <iso-time>')
    .action(async (flags: ClientFlags & { user: string; project: string; role?: string[]; description?: string; expiresAt?: string }) => {
      const created = await singleClient(flags).createToken({
        user_id: flags.user,
        project_id: flags.project,
        roles: flags.role ?? ['member'],
        ...(flags.description ? { description: flags.description } : {}),
        ...(flags.expiresAt ? { expires_at: flags.expiresAt } : {}),
      });
      if (flags.json) outJson(created);
      else out(formatRecord(created));
    });

  addClientOptions(token.command('list').description('list tokens (without secrets)')).action(async (flags: ClientFlags) => {
    const { tokens } = await singleClient(flags).listTokens();
    if (flags.json) outJson(tokens);
    else out(formatTable(tokens, ['id', 'user_id', 'project_id', 'roles', 'expires_at', 'description']));
  });

  addClientOptions(token.command('revoke').description('revoke a token').argument('<id>')).action(async (id: string, flags: ClientFlags) => {
    await singleClient(flags).revokeToken(id);
    if (!flags.json) out(`revoked ${id}\n`);
  });
}
