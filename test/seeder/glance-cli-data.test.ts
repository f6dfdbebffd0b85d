import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliServer, type CliServer } from '../helpers/cli.js';
import { glanceCli, tableValue } from '../helpers/glance-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('python3-glanceclient against `glance-p2p up`: upload, list, download', () => {
  const dir = tempDir('glance-p2p-glance-data-');
  let server: CliServer;
  let glance: ReturnType<typeof glanceCli>;
  beforeAll(async () => {
    server = await startCliServer(['up', '--registry-port', '0', '--seeder-port', '0', '--tracker-port', '0', '--data-dir', join(dir.path, 'data')], /admin token/);
    const url = /front door \(Teller\):\s+(\S+)/.exec(server.stdout())![1]!;
    glance = glanceCli(url, readFileSync(join(dir.path, 'data', 'secrets', 'admin-token'), 'utf8').trim());
  });
  afterAll(async () => {
    await server.stop();
    dir.remove();
  });

  it('image-create --file, image-list, image-download: the bytes come back equal and glanceclient\'s hash check passes', async () => {
    const data = randomBytes(12 * 1024 * 1024 + 345);
    const input = join(dir.path, 'cirros.img');
    writeFileSync(input, data);
    const created = await glance(['image-create', '--name', 'cirros', '--disk-format', 'qcow2', '--container-format', 'bare', '--file', input]);
    expect(created.code, created.stderr).toBe(0);
    const id = tableValue(created.stdout, 'id')!;
    expect(tableValue(created.stdout, 'status')).toBe('active');
    expect(tableValue(created.stdout, 'size')).toBe(String(data.length));

    const list = await glance(['image-list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s*\\|\\s*cirros`));

    const output = join(dir.path, 'downloaded.img');
    const downloaded = await glance(['image-download', '--file', output, id]);
    expect(downloaded.code, downloaded.stderr).toBe(0);
    expect(readFileSync(output).equals(data)).toBe(true);
  });

  it('image-create with the data on stdin (glanceclient\'s chunked upload)', async () => {
    const data = randomBytes(3000);
    const input = join(dir.path, 'small.img');
    writeFileSync(input, data);
    const created = await glance(['image-create', '--name', 'stdin', '--disk-format', 'raw', '--container-format', 'bare'], { stdinFile: input });
    expect(created.code, created.stderr).toBe(0);
    expect(tableValue(created.stdout, 'size')).toBe('3000');
  });
});
