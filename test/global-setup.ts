import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * One temporary folder per test run: every test's temp dirs (registries, caches, stores, glanceclient homes)
 * and those of the real clients they start go under it, because the workers inherit TMPDIR.
 * It is removed when the run ends, so a test that dies before its own cleanup leaves nothing in /tmp.
 */
export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'glance-p2p-test-run-'));
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
