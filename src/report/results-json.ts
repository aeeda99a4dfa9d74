import type { ReportData } from "./types.js";

/** The machine-readable form other tools read: {"methods": {"<method>": {"accuracy": [...], "stderr": [...], "diversity": {...}}}}. */
export function resultsJson(data: ReportData): object {
  const methods: Record<string, object> = {};
  for (const [name, s] of Object.entries(data.methods)) {
    methods[name] = { accuracy: s.accuracy, stderr: s.stderr, diversity: s.diversity, seeds: s.perSeed.length ? data.seeds : undefined };
  }
  return { task: data.task, runs: data.runIds, seeds: data.seeds, methods };
}
