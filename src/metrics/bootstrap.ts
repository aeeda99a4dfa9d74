import { Rng } from "../util/rng.js";

/**
 * A paired bootstrap over questions: two methods scored on the same questions (1/0, or expected vote
 * credit), resampled together. Returns the observed mean difference a − b, a 95% percentile interval,
 * and a two-sided p-value (twice the share of resamples on the far side of 0, capped at 1). Seeded, so
 * a report is the same every time it is written.
 */
export interface PairedBootstrap {
  diff: number;
  lo: number;
  hi: number;
  p: number;
  n: number;
  samples: number;
}

export function pairedBootstrap(
  a: readonly number[],
  b: readonly number[],
  opts: { samples?: number; seed?: number } = {},
): PairedBootstrap {
  if (a.length !== b.length) throw new Error(`paired bootstrap: ${a.length} vs ${b.length} scores (the same questions are needed)`);
  const n = a.length;
  const samples = opts.samples ?? 2000;
  const d = a.map((x, i) => x - b[i]!);
  const diff = n ? d.reduce((s, x) => s + x, 0) / n : NaN;
  if (n === 0) return { diff, lo: NaN, hi: NaN, p: NaN, n, samples: 0 };
  const rng = new Rng(opts.seed ?? 1);
  const means: number[] = [];
  for (let s = 0; s < samples; s++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += d[rng.int(n)]!;
    means.push(sum / n);
  }
  means.sort((x, y) => x - y);
  const q = (f: number) => means[Math.min(samples - 1, Math.max(0, Math.floor(f * samples)))]!;
  const below = means.filter((m) => m <= 0).length / samples;
  const above = means.filter((m) => m >= 0).length / samples;
  return { diff, lo: q(0.025), hi: q(0.975), p: Math.min(1, 2 * Math.min(below, above)), n, samples };
}

/** "+3.2 points [−0.4, +6.8], p = 0.08" */
export function formatBootstrap(r: PairedBootstrap): string {
  const pt = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(100 * x).toFixed(1)}`;
  const p = r.p < 0.001 ? "p < 0.001" : `p = ${r.p.toFixed(3)}`;
  return `${pt(r.diff)} points [${pt(r.lo)}, ${pt(r.hi)}], ${p}`;
}
