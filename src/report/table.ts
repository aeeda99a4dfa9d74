import { debateSeries, SAIE } from "../metrics/names.js";
import type { ReportData } from "./types.js";

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}` : "–");

/** Accuracy table: a row per method, a column per iteration, "mean ± std" (std over seeds, or stderr for one run). */
export function accuracyRows(data: ReportData): { header: string[]; rows: string[][] } {
  const iters = Math.max(0, ...Object.values(data.methods).map((s) => s.accuracy.length));
  const header = ["method", ...Array.from({ length: iters }, (_, i) => (i === 0 ? "base (0)" : `iter ${i}`))];
  const rows = Object.entries(data.methods).map(([m, s]) => [
    m,
    ...Array.from({ length: iters }, (_, i) => (i < s.accuracy.length ? `${pct(s.accuracy[i]!)} ± ${pct(s.stderr[i] ?? 0)}` : "")),
  ]);
  return { header, rows };
}

export function diversityRows(data: ReportData): { header: string[]; rows: string[][] } {
  const iters = Math.max(0, ...Object.values(data.methods).map((s) => s.accuracy.length));
  const header = ["method", "metric", ...Array.from({ length: iters }, (_, i) => `${i}`)];
  const rows: string[][] = [];
  for (const [m, s] of Object.entries(data.methods))
    for (const [metric, xs] of Object.entries(s.diversity)) {
      const sd = s.diversityStd?.[metric];
      const cell = (i: number) =>
        !Number.isFinite(xs[i]) ? "–" : sd && Number.isFinite(sd[i]) ? `${xs[i]!.toFixed(3)} ± ${sd[i]!.toFixed(3)}` : xs[i]!.toFixed(3);
      rows.push([m, metric, ...Array.from({ length: iters }, (_, i) => cell(i))]);
    }
  return { header, rows };
}

/** MALT's search trees: a row per method and iteration that grew them (questions, leaves, share right, SFT rows and DPO pairs per role). */
export function treeRows(data: ReportData): { header: string[]; rows: string[][] } {
  const withTrees = Object.entries(data.methods).filter(([, s]) => s.tree);
  const metrics = [...new Set(withTrees.flatMap(([, s]) => Object.keys(s.tree!)))].sort(
    (a, b) => treeOrder(a) - treeOrder(b) || a.localeCompare(b),
  );
  const header = ["method", "iter", ...metrics.map((m) => m.replace(/^tree_/, "").replace(/_/g, " "))];
  const rows: string[][] = [];
  for (const [m, s] of withTrees) {
    for (let i = 1; i < s.accuracy.length; i++) {
      const cells = metrics.map((k) => s.tree![k]?.[i]);
      if (cells.every((x) => x === undefined || !Number.isFinite(x))) continue;
      rows.push([
        m,
        `${i}`,
        ...metrics.map((k, j) =>
          cells[j] === undefined || !Number.isFinite(cells[j]!)
            ? "–"
            : k.endsWith("share")
              ? pct(cells[j]!) + "%"
              : `${Math.round(cells[j]!)}`,
        ),
      ]);
    }
  }
  return { header, rows };
}

/**
 * SAIE: each method that is also evaluated in debate (`<method>+debate`), per iteration: its learner's
 * accuracy alone and in a debate of its copies, and the discussions that iteration trained on (remarks
 * of each kind, the partner on its claim, the learner ending on the reference, training rows).
 */
export function learnerRows(data: ReportData): { header: string[]; rows: string[][] } {
  const header = [
    "method",
    "iter",
    "alone",
    "in debate",
    "supportive",
    "adversarial",
    "partner on claim",
    "learner ends on reference",
    "rows",
  ];
  const rows: string[][] = [];
  const cell = (x: number | undefined, share = false) =>
    x === undefined || !Number.isFinite(x) ? "–" : share ? `${pct(x)}%` : `${Math.round(x)}`;
  for (const [m, s] of Object.entries(data.methods)) {
    const debate = data.methods[debateSeries(m)];
    if (!debate) continue;
    for (let i = 0; i < s.accuracy.length; i++) {
      const d = (k: string) => s.discussion?.[k]?.[i];
      rows.push([
        m,
        `${i}`,
        `${pct(s.accuracy[i]!)}`,
        debate.accuracy[i] === undefined ? "–" : `${pct(debate.accuracy[i]!)}`,
        cell(d(SAIE.supportive)),
        cell(d(SAIE.adversarial)),
        cell(d(SAIE.partnerOnClaim), true),
        cell(d(SAIE.learnerFinalOnReference), true),
        cell(d(SAIE.rows)),
      ]);
    }
  }
  return { header, rows };
}

/** Totals first, then SFT rows and pairs, each in pipeline order (generator, verifier, refiner). */
const treeOrder = (m: string) => {
  const head = ["tree_questions", "tree_leaves", "tree_correct_leaf_share"].indexOf(m);
  if (head >= 0) return head;
  const role = ["generator", "verifier", "refiner"].indexOf(m.replace(/^tree_(sft|pairs)_/, ""));
  return (m.startsWith("tree_sft") ? 10 : 20) + (role < 0 ? 9 : role);
};
/**
 * What the society does, per method and iteration: per-sample (round-1) accuracy, each agent's, maj@N,
 * and the label precision of each training set (iteration l: the data that trained iteration l).
 */
export function societyRows(data: ReportData): { header: string[]; rows: string[][] } {
  const iters = Math.max(0, ...Object.values(data.methods).map((s) => s.accuracy.length));
  const header = ["method", "figure (%)", ...Array.from({ length: iters }, (_, i) => `${i}`)];
  const rows: string[][] = [];
  const label = (metric: string) =>
    metric === "round1_accuracy"
      ? "per-sample (round 1)"
      : metric === "round1_majority_accuracy"
        ? "maj@N (round 1)"
        : metric.replace(/^label_precision\//, "label precision ");
  for (const [m, s] of Object.entries(data.methods)) {
    const soc = s.society ?? {};
    const cell = (metric: string, i: number) => {
      const x = soc[metric]?.[i],
        sd = s.societyStd?.[metric]?.[i];
      return x === undefined || !Number.isFinite(x)
        ? "–"
        : sd !== undefined && Number.isFinite(sd) && data.seeds.length > 1
          ? `${pct(x)} ± ${pct(sd)}`
          : pct(x);
    };
    const metrics = Object.keys(soc).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
    for (const metric of metrics.filter((x) => !x.startsWith("label_precision")))
      rows.push([m, label(metric), ...Array.from({ length: iters }, (_, i) => cell(metric, i))]);
    if (s.agentRound1?.some((r) => r.length > 1)) {
      rows.push([
        m,
        "per agent (round 1)",
        ...Array.from({ length: iters }, (_, i) => (s.agentRound1![i]?.length ? s.agentRound1![i]!.map(pct).join(" / ") : "–")),
      ]);
    }
    for (const metric of metrics.filter((x) => x.startsWith("label_precision")))
      rows.push([m, label(metric), ...Array.from({ length: iters }, (_, i) => cell(metric, i))]);
  }
  return { header, rows };
}
const rank = (metric: string) => ["round1_accuracy", "round1_majority_accuracy"].indexOf(metric) + 1 || 9;

/** One row per comparison: the paired bootstrap of each iteration, "+3.2 [−0.4, +6.8] p=0.080". */
export function significanceRows(data: ReportData): { header: string[]; rows: string[][] } {
  const cmp = data.comparisons ?? [];
  const iters = Math.max(0, ...cmp.map((c) => c.iteration + 1));
  const header = ["comparison (points)", ...Array.from({ length: iters }, (_, i) => `${i}`)];
  const pairs = [...new Set(cmp.map((c) => `${c.a} − ${c.b}`))];
  const pt = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(100 * x).toFixed(1)}`;
  const rows = pairs.map((pair) => [
    pair,
    ...Array.from({ length: iters }, (_, i) => {
      const c = cmp.find((x) => `${x.a} − ${x.b}` === pair && x.iteration === i);
      return c ? `${pt(c.diff)} [${pt(c.lo)}, ${pt(c.hi)}] p=${c.p < 0.001 ? "<0.001" : c.p.toFixed(3)}` : "–";
    }),
  ]);
  return { header, rows };
}

export function markdownTable(t: { header: string[]; rows: string[][] }): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(t.header), line(t.header.map(() => "---")), ...t.rows.map(line)].join("\n");
}

/** A plain fixed-width table for the terminal: numeric columns right-aligned, text left-aligned. */
export function terminalTable(t: { header: string[]; rows: string[][] }): string {
  const widths = t.header.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? "").length)));
  const numeric = t.header.map((_, i) => i > 0 && t.rows.length > 0 && t.rows.every((r) => /^[-+0-9.,%±– ]*$/.test(r[i] ?? "")));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [fmt(t.header), widths.map((w) => "─".repeat(w)).join("  "), ...t.rows.map(fmt)].join("\n");
}
