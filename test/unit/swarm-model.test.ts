import { describe, expect, it } from 'vitest';
import { kumarRossBound } from '../../bench/swarm/bound.js';
import { mulberry32, simulateSwarm } from '../../bench/swarm/piece-sim.js';

describe('bench:swarm models', () => {
  it('Kumar–Ross: the seed, the slowest download or the total upload bounds the time', () => {
    const F = 100;
    expect(kumarRossBound(F, 10, [10, 10], 100)).toBe(10); // seed must send F once
    expect(kumarRossBound(F, 100, [100], 5)).toBe(20); // slowest download
    expect(kumarRossBound(F, 10, Array(99).fill(1), 1000)).toBeCloseTo((99 * F) / 109);
  });

  it('the piece model distributes in about pieces + log2(hosts) slots, the seed sending about one copy', () => {
    for (const hosts of [32, 1000]) {
      const sim = simulateSwarm({ hosts, pieces: 32, seeds: 1, seedRate: 1, degree: 55, random: mulberry32(7) });
      const p100 = sim.finishSlots[hosts - 1]!;
      expect(p100).toBeGreaterThanOrEqual(32);
      expect(p100).toBeLessThan(32 + 3 * Math.log2(hosts));
      expect(sim.seedPieces / 32).toBeLessThan(2);
    }
  });

  it('plain one-to-many is what the model degenerates to with a single host', () => {
    const sim = simulateSwarm({ hosts: 1, pieces: 16, seeds: 1, seedRate: 1, degree: 55, random: mulberry32(1) });
    expect(sim.finishSlots).toEqual([16]);
    expect(sim.seedPieces).toBe(16);
  });
});
