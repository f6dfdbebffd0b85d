/** A swarm to simulate, in units of pieces and slots (one slot: the time a host needs to upload one piece). */
export interface PieceSimOptions {
  hosts: number;
  pieces: number;
  /** Tellers seeding the image. */
  seeds: number;
  /** Pieces per slot each Teller uploads (its egress ÷ a host's upload rate). */
  seedRate: number;
  /** Peers each host is connected to (numwant and maxConns bound it). */
  degree: number;
  /** Random number source in [0, 1) (seeded, so runs repeat). */
  random: () => number;
}

/** What the simulated swarm did. */
export interface PieceSimResult {
  /** Slot in which each host completed, sorted. */
  finishSlots: number[];
  /** Piece copies the Tellers sent. */
  seedPieces: number;
}

/** A small seeded PRNG (mulberry32), so simulations repeat exactly. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Slot-by-slot model of a BitTorrent swarm: every host uploads at most one piece
 * per slot and downloads at most one, Tellers upload `seedRate` each; a piece
 * received in a slot can be passed on from the next slot (store and forward, as
 * with hash-checked pieces); each uploader serves random neighbours that need one
 * of its pieces, the rarest one first. Hosts keep seeding once done, as the agent
 * daemon does. It ignores CPU and protocol overhead: the calibration to seconds
 * (simulate.ts) takes those from the measured run.
 */
export function simulateSwarm(o: PieceSimOptions): PieceSimResult {
  const n = o.hosts;
  const have: Uint8Array[] = Array.from({ length: n }, () => new Uint8Array(o.pieces));
  const count = new Uint32Array(n);
  const copies = new Uint32Array(o.pieces); // rarity, as the hosts see it through have messages
  const neighbours: Uint32Array[] = Array.from({ length: n }, (_, self) => {
    const d = Math.min(o.degree, n - 1);
    const set = new Set<number>();
    while (set.size < d) {
      const j = Math.floor(o.random() * n);
      if (j !== self) set.add(j);
    }
    return Uint32Array.from(set);
  });
  const finish = new Array<number>(n).fill(-1);
  let seedPieces = 0;
  let seedCredit = 0;
  let done = 0;
  const rarestMissing = (from: Uint8Array | null, to: number): number => {
    let best = -1;
    for (let p = 0; p < o.pieces; p++) if (!have[to]![p] && (from === null || from[p]) && (best < 0 || copies[p]! < copies[best]!)) best = p;
    return best;
  };
  for (let slot = 1; done < n && slot < 100 * (o.pieces + n); slot++) {
    const busy = new Uint8Array(n); // downloading this slot
    const arrivals: Array<[number, number]> = [];
    // Tellers: send the rarest piece to hosts chosen at random
    seedCredit += o.seeds * o.seedRate;
    for (let tries = 0; seedCredit >= 1 && tries < 4 * n; tries++) {
      const to = Math.floor(o.random() * n);
      if (busy[to] || count[to] === o.pieces) continue;
      const p = rarestMissing(null, to);
      busy[to] = 1;
      arrivals.push([to, p]);
      seedCredit -= 1;
      seedPieces++;
    }
    seedCredit = Math.min(seedCredit, o.seeds * o.seedRate);
    // hosts: each one with a piece serves one neighbour that needs one of its pieces
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(o.random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const from of order) {
      if (count[from] === 0) continue;
      const nb = neighbours[from]!;
      for (let tries = 0; tries < Math.min(8, nb.length); tries++) {
        const to = nb[Math.floor(o.random() * nb.length)]!;
        if (busy[to] || count[to] === o.pieces) continue;
        const p = rarestMissing(have[from]!, to);
        if (p < 0) continue;
        busy[to] = 1;
        arrivals.push([to, p]);
        break;
      }
    }
    for (const [to, p] of arrivals) {
      if (have[to]![p]) continue;
      have[to]![p] = 1;
      copies[p]!++;
      if (++count[to]! === o.pieces) {
        finish[to] = slot;
        done++;
      }
    }
  }
  return { finishSlots: finish.map((f) => (f < 0 ? Infinity : f)).sort((a, b) => a - b), seedPieces };
}
