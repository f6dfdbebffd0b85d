import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RowResult } from './results.js';

const STYLE: Record<string, { title: string; color: string }> = {
  swarm: { title: 'glance-p2p swarm', color: '#1f77b4' },
  aria2c: { title: 'aria2c (same torrent, tracker, seed)', color: '#2ca02c' },
  http: { title: 'plain HTTP from Teller (--no-p2p)', color: '#d62728' },
};

/**
 * Draw finish-time curves (hosts done over time, one panel per N, time on a log
 * axis so the swarm and the N×-longer plain HTTP fit together) with T* as a
 * vertical line, as a PNG through gnuplot (Debian's gnuplot-nox, pngcairo).
 */
export function drawFinishTimes(rows: RowResult[], file: string, subtitle: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const cols = Math.min(2, rows.length);
  const lines = [`set terminal pngcairo size ${cols * 640},${Math.ceil(rows.length / cols) * 420 + 40} font 'Sans,10' noenhanced`, `set output '${file}'`];
  lines.push(`set multiplot layout ${Math.ceil(rows.length / cols)},${cols} title "Finish times: hosts holding the verified image over time\\n${subtitle}"`);
  for (const row of rows) {
    const plots: string[] = [];
    for (const mode of row.modes) {
      const times = mode.hosts.map((h) => h.finishS).sort((a, b) => a - b);
      const block = `$${mode.mode}${row.n}`;
      lines.push(`${block} << EOD`, '0 0', ...times.map((t, i) => `${t.toFixed(3)} ${i + 1}`), 'EOD');
      const style = STYLE[mode.mode]!;
      plots.push(`${block} using 1:2 with steps lw 2 lc rgb '${style.color}' title '${style.title}'`);
    }
    const xmax = Math.max(row.tStarS * 1.2, ...row.modes.flatMap((m) => m.hosts.map((h) => h.finishS * 1.15)));
    lines.push(
      `set title 'N = ${row.n} hosts, T* = ${row.tStarS.toFixed(1)} s'`,
      'set logscale x',
      `set xrange [${Math.max(0.5, row.tStarS / 4).toFixed(2)}:${xmax.toFixed(1)}]`,
      `set yrange [0:${row.n + 1}]`,
      "set xlabel 'seconds since all hosts asked (log scale)'",
      "set ylabel 'hosts done'",
      'set key top left box opaque',
      'set grid',
      'unset arrow',
      `set arrow from ${row.tStarS.toFixed(3)},0 to ${row.tStarS.toFixed(3)},${row.n + 1} nohead dt 2 lw 2 lc rgb 'black'`,
      `plot ${plots.join(', ')}, NaN with lines dt 2 lw 2 lc rgb 'black' title 'T* (Kumar–Ross bound)'`,
    );
  }
  lines.push('unset multiplot');
  execFileSync('gnuplot', [], { input: lines.join('\n') });
}
