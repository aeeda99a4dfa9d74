import type { ReportData } from "./types.js";

/** The machine-readable form other tools read: {"methods": {"<method>": {"accuracy": [...], "stderr": [...], "diversity": {...}}}}. */
export function resultsJson(data: ReportData): object {
  const methods: Record<string, object> = {};
  for (const [name, s] of Object.entries(data.methods)) {
    // Several seeds: accuracy and diversity are means, stderr and diversity_std the std across seeds.
    methods[name] = {
      accuracy: s.accuracy,
      stderr: s.stderr,
      diversity: s.diversity,
      diversity_std: s.diversityStd,
      society: s.society,
      society_std: s.societyStd,
      agent_round1_accuracy: s.agentRound1,
      seeds: s.perSeed.length ? data.seeds : undefined,
      // MALT: the search trees each iteration trained on (null where none was grown, e.g. index 0).
      tree: s.tree
        ? Object.fromEntries(
            Object.entries(s.tree).map(([k, xs]) => [k.replace(/^tree_/, ""), xs.map((x) => (Number.isFinite(x) ? x : null))]),
          )
        : undefined,
      // SAIE: the discussions each iteration trained on (null where none was held, e.g. index 0).
      discussion: s.discussion
        ? Object.fromEntries(
            Object.entries(s.discussion).map(([k, xs]) => [k.replace(/^saie_/, ""), xs.map((x) => (Number.isFinite(x) ? x : null))]),
          )
        : undefined,
    };
  }
  const efficiency = data.efficiency?.map((r) => ({
    who: r.who,
    accuracy: r.accuracy ?? null,
    stderr: r.stderr ?? null,
    tokens_per_question: r.tokens,
    seconds_per_question: r.seconds ?? null,
    cpu_seconds_per_question: r.cpuSeconds ?? null,
  }));
  return {
    task: data.task,
    runs: data.runIds,
    seeds: data.seeds,
    methods,
    comparisons: data.comparisons,
    ...(efficiency ? { efficiency } : {}),
  };
}
