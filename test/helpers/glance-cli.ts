import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Run Debian's python-glanceclient (`glance`) against a URL; stdin closed so image-create uploads nothing unless asked. */
export function glanceCli(url: string, token: string) {
  // glanceclient caches the server's image schema under $HOME/.glanceclient: give it a home of its own.
  const home = mkdtempSync(join(tmpdir(), 'glanceclient-home-'));
  return (args: string[], opts: { stdinFile?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> => {
    const quoted = ['glance', '--os-image-url', url, '--os-auth-token', token, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const redirect = opts.stdinFile ? `< '${opts.stdinFile}'` : '<&-';
    return new Promise((resolve) => {
      execFile('bash', ['-c', `${quoted} ${redirect}`], { env: { ...process.env, HOME: home, PYTHONWARNINGS: 'ignore' }, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    });
  };
}

/** The value of a row in glanceclient's `| Property | Value |` table. */
export function tableValue(output: string, property: string): string | undefined {
  for (const line of output.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length >= 4 && cells[1] === property) return cells[2];
  }
  return undefined;
}
