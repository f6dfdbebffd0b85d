import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { sendBlocks } from '../../src/seeder/serve/file-sender.js';

/** A response whose socket went away: writes are accepted but their callbacks never come. */
function deadResponse() {
  const res = Object.assign(new EventEmitter(), { writes: 0, destroyed: false, write: () => ((res.writes += 1), true) });
  return res;
}

describe('sendBlocks', () => {
  it('stops when the client is gone even if a write callback never comes, so the caller can close its file', async () => {
    const res = deadResponse();
    let reads = 0;
    const sending = sendBlocks(res as unknown as ServerResponse, 0, 8 * 1024 * 1024, async (_buf, _pos, max) => {
      reads++;
      return max;
    });
    await new Promise((r) => setImmediate(r));
    res.destroyed = true;
    res.emit('close');
    await expect(sending).resolves.toBeUndefined();
    expect(reads).toBeLessThan(8);
    expect(res.writes).toBeGreaterThan(0);
  });
});
