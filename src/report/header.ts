import { stringify } from "yaml";
import type { ReportData, RunSummary } from "./types.js";

type Table = { header: string[]; rows: string[][] };

const int = (n: number) => Math.round(n).toLocaleString("en-US");

/** 75 s → "1 min 15 s"; 5400 s → "1 h 30 min". */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** What was run: one row per fact, for the top of the report. */
export function runFacts(data: ReportData, summary: RunSummary): Table {
  const c = summary.config as { agents?: number; rounds?: number; iterations?: number; name?: string };
  const rows: string[][] = [
    ["config", c.name ?? data.title],
    ["task", data.task],
    ["base model", `${summary.baseModel} (${summary.backend})`],
    ["methods", Object.keys(data.methods).join(", ")],
    ["society", `${c.agents ?? "?"} agents, ${c.rounds ?? "?"} rounds, ${c.iterations ?? "?"} iterations`],
    ["seeds", data.seeds.join(", ")],
    ["questions", `${summary.questions.train} train, ${summary.questions.test} test`],
    ["wall time", `${duration(summary.wallSeconds)} (${data.runIds.length} run${data.runIds.length === 1 ? "" : "s"})`],
    ["runs", data.runIds.join(", ")],
  ];
  return { header: ["what was run", ""], rows };
}

/** Time and tokens per method (a shared debate such as "base" has a row of its own), summed over seeds. */
export function costRows(summary: RunSummary): Table {
  const header = ["method", "debates", "turns", "prompt tokens", "completion tokens", "generation time", "training time"];
  const rows = Object.entries(summary.costs).map(([m, c]) => [
    m,
    int(c.debates),
    int(c.turns),
    int(c.promptTokens),
    int(c.completionTokens),
    duration(c.generationSeconds),
    duration(c.trainingSeconds),
  ]);
  return { header, rows };
}

/** The stored resolved config as YAML, for the report's collapsed "full config" section. */
export function configYaml(summary: RunSummary): string {
  return stringify(summary.config, { lineWidth: 0 });
}
