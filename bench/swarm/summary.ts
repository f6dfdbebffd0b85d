import { finishQuantile, type ModeResult, type RowResult } from './results.js';

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/** One table row: finish times ÷ T* and origin egress ÷ F per mode, with agent CPU and RSS. */
export function summarize(row: RowResult): Record<string, string | number> {
  const out: Record<string, string | number> = { N: row.n, 'T* s': round(row.tStarS, 1) };
  const by = (m: ModeResult['mode']) => row.modes.find((x) => x.mode === m);
  const rel = (t: number) => (row.tStarS > 0 ? round(t / row.tStarS) : `${round(t)} s`);
  const egress = (m: ModeResult) => round((m.originBittorrentBytes + m.originHttpBytes) / row.sizeBytes);
  const swarm = by('swarm');
  if (swarm) Object.assign(out, { 'swarm p50/T*': rel(finishQuantile(swarm, 0.5)), 'swarm p100/T*': rel(finishQuantile(swarm, 1)), 'swarm origin/F': egress(swarm) });
  const http = by('http');
  if (http) Object.assign(out, { 'HTTP p100/T*': rel(finishQuantile(http, 1)), 'HTTP origin/F': egress(http) });
  const aria = by('aria2c');
  if (aria) Object.assign(out, { 'aria2c p100/T*': rel(finishQuantile(aria, 1)), 'aria2c origin/F': egress(aria) });
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  if (swarm) Object.assign(out, { 'agent CPU s': round(mean(swarm.hosts.map((h) => h.cpuS)), 1), 'of it kernel': round(mean(swarm.hosts.map((h) => h.sysS)), 1), 'agent RSS MB': Math.round(Math.max(...swarm.hosts.map((h) => h.peakRssMb))) });
  if (aria) Object.assign(out, { 'aria2c CPU s': round(mean(aria.hosts.map((h) => h.cpuS)), 1), 'aria2c RSS MB': Math.round(Math.max(...aria.hosts.map((h) => h.peakRssMb))) });
  out['bytes ok'] = row.modes.every((m) => m.bytesOk) ? 'yes' : 'NO';
  return out;
}
