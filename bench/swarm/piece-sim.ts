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

/** Blocks a piece is cut into in the model: uploads and downloads are shared at this grain within a slot. */
const BLOCKS = 4;

/**
 * Slot-by-slot model of a BitTorrent swarm: in a slot every host uploads one piece's
 * worth and downloads at most one, in quarter-piece blocks to and from several peers
 * (as TCP shares a link); Tellers upload `seedRate` pieces' worth each. A piece is
 * passed on only once all its blocks are in (store and forward, as with hash-checked
 * pieces). Each uploader serves random neighbours that need a piece it holds: a
 * piece the neighbour has started, else the rarest. Hosts keep seeding once done, as
 * the agent daemon does. CPU and protocol overhead are not modelled: the calibration
 * to seconds (simulate.ts) takes them from the measured run.
 */
export function simulateSwarm(o: PieceSimOptions): PieceSimResult {
  const n = o.hosts;
  const got: Uint8Array[] = Array.from({ length: n }, () => new Uint8Array(o.pieces)); // blocks of each piece
  const count = new Uint32Array(n); // complete pieces
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
  let seedBlocks = 0;
  let seedCredit = 0;
  let done = 0;
  const complete = (h: number, p: number) => got[h]![p] === BLOCKS;
  /** The piece `to` should get next from a holder of `from`'s pieces (null: a Teller, which has all). */
  const pick = (from: number | null, to: number, pending: Uint8Array): number => {
    let best = -1;
    for (let p = 0; p < o.pieces; p++) {
      const need = got[to]![p]! + pending[p]!;
      if (need >= BLOCKS || (from !== null && !complete(from, p))) continue;
      if (need > 0) return p; // finish a started piece first
      if (best < 0 || copies[p]! < copies[best]!) best = p;
    }
    return best;
  };
  for (let slot = 1; done < n && slot < 100 * (o.pieces + n); slot++) {
    const room = new Uint8Array(n).fill(BLOCKS); // download capacity left this slot
    const pending: Uint8Array[] = new Array(n); // blocks on their way this slot
    const pendingOf = (h: number) => (pending[h] ??= new Uint8Array(o.pieces));
    const send = (from: number | null, to: number): boolean => {
      if (room[to] === 0 || count[to] === o.pieces) return false;
      const p = pick(from, to, pendingOf(to));
      if (p < 0) return false;
      pendingOf(to)[p]!++;
      room[to]!--;
      return true;
    };
    seedCredit = Math.min(seedCredit + o.seeds * o.seedRate * BLOCKS, o.seeds * o.seedRate * BLOCKS);
    for (let tries = 0; seedCredit >= 1 && tries < 8 * n * BLOCKS; tries++) {
      if (!send(null, Math.floor(o.random() * n))) continue;
      seedCredit -= 1;
      seedBlocks++;
    }
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(o.random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let b = 0; b < BLOCKS; b++) {
      for (const from of order) {
        if (count[from] === 0) continue;
        const nb = neighbours[from]!;
        for (let tries = 0; tries < Math.min(8, nb.length); tries++) if (send(from, nb[Math.floor(o.random() * nb.length)]!)) break;
      }
    }
    for (let h = 0; h < n; h++) {
      const p = pending[h];
      if (!p) continue;
      for (let i = 0; i < o.pieces; i++) {
        if (!p[i]) continue;
        got[h]![i] = Math.min(BLOCKS, got[h]![i]! + p[i]!);
        if (got[h]![i] === BLOCKS) {
          copies[i]!++;
          if (++count[h]! === o.pieces) {
            finish[h] = slot;
            done++;
          }
        }
      }
    }
  }
  return { finishSlots: finish.map((f) => (f < 0 ? Infinity : f)).sort((a, b) => a - b), seedPieces: seedBlocks / BLOCKS };
}
