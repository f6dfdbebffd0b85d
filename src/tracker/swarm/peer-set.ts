/**
 * A set with O(1) add, delete and uniform random sampling: an array plus each
 * member's index, removal by swapping with the last. Peer lists are drawn
 * from it without walking every peer of a big swarm.
 */
export class PeerSet<T> {
  private readonly items: T[] = [];
  private readonly index = new Map<T, number>();

  get size(): number {
    return this.items.length;
  }

  add(item: T): void {
    if (this.index.has(item)) return;
    this.index.set(item, this.items.length);
    this.items.push(item);
  }

  delete(item: T): void {
    const at = this.index.get(item);
    if (at === undefined) return;
    const last = this.items.pop()!;
    this.index.delete(item);
    if (at < this.items.length) {
      this.items[at] = last;
      this.index.set(last, at);
    }
  }

  has(item: T): boolean {
    return this.index.has(item);
  }

  /** Up to `count` distinct members in random order, skipping those `skip` refuses. */
  sample(count: number, skip: (item: T) => boolean, out: T[] = [], random: () => number = Math.random): T[] {
    const n = this.items.length;
    if (count <= 0 || n === 0) return out;
    // A random start and a stride coprime with n visit every member once, in an order
    // that differs per call, at the cost of one step per member given.
    const start = Math.floor(random() * n);
    const stride = coprimeStride(n, random);
    let taken = 0;
    for (let i = 0, at = start; i < n && taken < count; i++, at = (at + stride) % n) {
      const item = this.items[at]!;
      if (skip(item)) continue;
      out.push(item);
      taken++;
    }
    return out;
  }

  values(): IterableIterator<T> {
    return this.items.values();
  }
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function coprimeStride(n: number, random: () => number): number {
  if (n <= 2) return 1;
  for (let tries = 0; tries < 8; tries++) {
    const s = 1 + Math.floor(random() * (n - 1));
    if (gcd(s, n) === 1) return s;
  }
  return 1;
}
