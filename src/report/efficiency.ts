/**
 * MAGDi's efficiency table (Chen et al. §5: tokens predicted at test time): the teachers' debate against the
 * student answering alone, once and by a vote of k samples (self-consistency), per test question — accuracy,
 * completion tokens, and wall / CPU seconds of the phase that generated them (this machine, under its load).
 */
import type { TopLevelSpec } from "vega-lite";
import { MAGDI_METRIC, METRIC } from "../metrics/names.js";
import type { Metric } from "../store/index.js";
import type { Chart } from "./charts.js";

export interface EfficiencyRow {
  who: string;
  accuracy?: number;
  stderr?: number;
  tokens: number;
  seconds?: number;
  cpuSeconds?: number;
}

/** From one run's metrics: the teachers' debate once, then each magdi method's student before and after distillation. */
export function efficiencyRows(
  metrics: readonly Metric[],
  shape: { agents: number; rounds: number; methods?: readonly string[] },
): EfficiencyRow[] {
  const get = (method: string, iteration: number, name: string, scope = "run") =>
    metrics.find((m) => m.method === method && m.iteration === iteration && m.name === name && m.scope === scope)?.value;
  // In the run's method order (the store lists metrics by name).
  const order = (m: string) => {
    const i = shape.methods?.indexOf(m) ?? -1;
    return i < 0 ? Infinity : i;
  };
  const methods = [...new Set(metrics.filter((m) => m.scope === "teachers").map((m) => m.method))].sort((a, b) => order(a) - order(b));
  if (!methods.length) return [];
  const rows: EfficiencyRow[] = [];
  const t = methods[0]!;
  // The single and majority baselines read round 1 of the same test debate: its tokens, no seconds of their own.
  const single = get(t, 0, MAGDI_METRIC.singleTokensPerQuestion, "teachers");
  if (single !== undefined)
    rows.push({
      who: "teachers, one agent (round 1)",
      accuracy: get("base", 0, METRIC.accuracy),
      stderr: get("base", 0, METRIC.accuracyStderr),
      tokens: single,
    });
  const majority = get(t, 0, MAGDI_METRIC.majorityTokensPerQuestion, "teachers");
  if (majority !== undefined)
    rows.push({
      who: `teachers, majority of ${shape.agents} (round 1)`,
      accuracy: get("majority", 0, METRIC.accuracy),
      stderr: get("majority", 0, METRIC.accuracyStderr),
      tokens: majority,
    });
  rows.push({
    who: `teachers' debate (${shape.agents} agents × ${shape.rounds} rounds)`,
    accuracy: get("debate", 0, METRIC.accuracy),
    stderr: get("debate", 0, METRIC.accuracyStderr),
    tokens: get(t, 0, MAGDI_METRIC.tokensPerQuestion, "teachers")!,
    seconds: get(t, 0, MAGDI_METRIC.secondsPerQuestion, "teachers"),
    cpuSeconds: get(t, 0, MAGDI_METRIC.cpuSecondsPerQuestion, "teachers"),
  });
  const student = (who: string, method: string, l: number) => {
    const tokens = get(method, l, MAGDI_METRIC.tokensPerQuestion);
    if (tokens === undefined) return;
    const k = get(method, l, MAGDI_METRIC.scK) ?? 1;
    const seconds = get(method, l, MAGDI_METRIC.secondsPerQuestion);
    const cpu = get(method, l, MAGDI_METRIC.cpuSecondsPerQuestion);
    rows.push({
      who: `${who}, 1 sample`,
      accuracy: get(method, l, METRIC.accuracy),
      stderr: get(method, l, METRIC.accuracyStderr),
      tokens,
      seconds,
      cpuSeconds: cpu,
    });
    rows.push({
      who: `${who}, vote of ${k}`,
      accuracy: get(method, l, MAGDI_METRIC.scAccuracy),
      stderr: get(method, l, MAGDI_METRIC.scStderr),
      tokens: k * tokens,
      seconds: seconds === undefined ? undefined : k * seconds,
      cpuSeconds: cpu === undefined ? undefined : k * cpu,
    });
  };
  student("student, untrained", t, 0);
  for (const m of methods) student(`${m} student`, m, 1);
  return rows;
}

export function efficiencyTable(rows: readonly EfficiencyRow[]): { header: string[]; rows: string[][] } {
  const teacher = rows.find((r) => r.who.startsWith("teachers' debate"));
  const f = (x: number | undefined, d: number) => (x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(d));
  return {
    header: ["who answers", "accuracy %", "tokens / question", "× fewer than the debate", "wall s / question", "CPU s / question"],
    rows: rows.map((r) => [
      r.who,
      r.accuracy === undefined ? "–" : `${(100 * r.accuracy).toFixed(1)} ± ${(100 * (r.stderr ?? 0)).toFixed(1)}`,
      f(r.tokens, 1),
      r === teacher || !teacher || !(r.tokens > 0) ? "–" : f(teacher.tokens / r.tokens, 1),
      f(r.seconds, 3),
      f(r.cpuSeconds, 3),
    ]),
  };
}

export const EFFICIENCY_NOTE =
  "Per test question. Accuracy: one teacher's round-1 answer (the mean over agents), the vote of their round-1 answers, the teachers' final vote, or one student sample (the mean over its k samples) and the vote of the k (self-consistency). " +
  "Tokens: completion tokens generated (the debate: every turn of every agent; round 1: its turns only, read off the same debate, so no seconds of their own; the vote: k samples). Seconds: wall and CPU time of the phase that generated them, " +
  "divided by its questions (batched; this process only, llama.cpp threads included; the vote: k × one sample's). Wall time depends on the machine's load; CPU time less so.";

/** Accuracy against tokens per question (log scale), a point per row. */
export function efficiencyChart(rows: readonly EfficiencyRow[]): Chart {
  const values = rows
    .filter((r) => r.accuracy !== undefined && r.tokens > 0)
    .map((r) => ({ who: r.who, tokens: r.tokens, accuracy: r.accuracy, teacher: r.who.startsWith("teachers") ? "teachers" : "student" }));
  return {
    name: "efficiency",
    title: "Accuracy vs tokens generated per test question",
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      width: 420,
      height: 260,
      data: { values },
      encoding: {
        x: { field: "tokens", type: "quantitative", scale: { type: "log" }, title: "completion tokens per question (log)" },
        y: { field: "accuracy", type: "quantitative", axis: { format: "%" }, scale: { zero: false } },
      },
      layer: [
        // Up to 3 teacher rows + 2 per student: more than the default palette's 10 colours; teachers are squares.
        {
          mark: { type: "point", filled: true, size: 80 },
          encoding: {
            color: { field: "who", type: "nominal", sort: null, scale: { scheme: "tableau20" }, legend: { labelLimit: 320 } },
            shape: {
              field: "teacher",
              type: "nominal",
              scale: { domain: ["teachers", "student"], range: ["square", "circle"] },
              legend: null,
            },
          },
        },
      ],
    } as TopLevelSpec,
  };
}
