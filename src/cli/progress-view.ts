import cliProgress from 'cli-progress';
import type { FetchProgress } from '../agent-peer/progress.js';

const MB = 1e6;

function human(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / MB).toFixed(1)} MB`;
}

/** Shows fetch progress: a bar on a terminal, JSON lines with --json, nothing otherwise. */
export class ProgressView {
  private bar: cliProgress.SingleBar | undefined;

  constructor(private readonly mode: 'bar' | 'json' | 'quiet') {}

  update(p: FetchProgress): void {
    if (this.mode === 'json') {
      process.stdout.write(`${JSON.stringify(p)}\n`);
      return;
    }
    if (this.mode !== 'bar' || p.phase !== 'downloading') return;
    if (!this.bar) {
      this.bar = new cliProgress.SingleBar(
        {
          format: '{bar} {percentage}% | {rate} | ETA {eta_s} | {peers} peers | swarm {swarm} · http {http}{fallback}',
          hideCursor: true,
          stream: process.stderr,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(p.total, 0);
    }
    this.bar.update(p.bytes, {
      rate: `${(p.rate / MB).toFixed(1)} MB/s`,
      eta_s: p.eta_s === null ? '?' : `${p.eta_s}s`,
      peers: p.peers,
      swarm: human(p.swarm_bytes),
      http: human(p.http_bytes),
      fallback: p.fallback ? ' (web seed on)' : '',
    });
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }

  /** A final line: JSON with --json, the path otherwise. */
  done(result: Record<string, unknown> & { path: string }): void {
    this.stop();
    if (this.mode === 'json') process.stdout.write(`${JSON.stringify({ phase: 'done', ...result })}\n`);
    else process.stdout.write(`${result.path}\n`);
  }
}
