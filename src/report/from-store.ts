import { pairedBootstrap } from "../metrics/bootstrap.js";
import { METRIC, DIVERSITY_NAMES, isSaieMetric, isTreeMetric } from "../metrics/names.js";
import { deriveSeed } from "../util/seed.js";
import { meanStd } from "../metrics/accuracy.js";
import type { Store } from "../store/index.js";
import type { AgentIterationRow, Comparison, MethodSeries, ReportData } from "./types.js";

/** Run-scope metrics of what the society does (tables, not charts); label_precision/<set> included. */
const SOCIETY_NAMES = [METRIC.round1Accuracy, METRIC.round1Majority, METRIC.labelPrecision] as const;
import { UserError } from "../errors.js";
import { runSummaryFromStore } from "./run-summary.js";
import { loadGraphs } from "../graphs/index.js";
import { getTask } from "../tasks/index.js";
import { efficiencyRows } from "./efficiency.js";
import { graphSection, type GraphSection } from "./graphs.js";

/**
 * Gathers one report from runs of the same config (one per seed): accuracy mean ± std, diversity and
 * society figures (means, std across seeds), per-agent round-1 accuracy, agents' data and losses, and
 * paired significance of the first method against the others.
 */
export async function reportDataFromStore(store: Store, runIds: readonly string[]): Promise<ReportData> {
  const runs = [];
  for (const id of runIds) {
    const run = await store.runs.get(id);
    if (!run) throw new UserError(`no run "${id}" in ${store.location} (see \`society runs\`)`);
    runs.push(run);
  }
  type Series = {
    acc: number[];
    se: number[];
    div: Record<string, number[]>;
    soc: Record<string, number[]>;
    agent: number[][];
    correct: Array<Map<string, number>>;
    tree: Record<string, number[]>;
    talk: Record<string, number[]>;
  };
  const perRun: Array<Map<string, Series>> = [];
  const agents: AgentIterationRow[] = [];
  for (const run of runs) {
    const byMethod = new Map<string, Series>();
    for (const m of await store.metrics.list({ runId: run.id })) {
      const e = byMethod.get(m.method) ?? { acc: [], se: [], div: {}, soc: {}, agent: [], correct: [], tree: {}, talk: {} };
      byMethod.set(m.method, e);
      if (m.scope.startsWith("agent:")) {
        const i = Number(/^agent:(\d+)$/.exec(m.scope)?.[1]);
        if (m.name === METRIC.round1Accuracy && Number.isInteger(i)) (e.agent[m.iteration] ??= [])[i] = m.value;
        continue;
      }
      if (m.scope.startsWith("question:")) {
        if (m.name === METRIC.correct) (e.correct[m.iteration] ??= new Map()).set(`${run.id}\u0000${m.scope}`, m.value);
        continue;
      }
      if (m.scope !== "run") continue;
      if (m.name === METRIC.accuracy) e.acc[m.iteration] = m.value;
      else if (m.name === METRIC.accuracyStderr) e.se[m.iteration] = m.value;
      else if (DIVERSITY_NAMES.includes(m.name)) (e.div[m.name] ??= [])[m.iteration] = m.value;
      else if (isTreeMetric(m.name)) (e.tree[m.name] ??= [])[m.iteration] = m.value;
      else if (isSaieMetric(m.name)) (e.talk[m.name] ??= [])[m.iteration] = m.value;
      else if (SOCIETY_NAMES.some((n) => m.name === n || m.name.startsWith(`${n}/`))) (e.soc[m.name] ??= [])[m.iteration] = m.value;
    }
    perRun.push(byMethod);
    agents.push(...(await agentRows(store, run.id)));
  }
  const methods: Record<string, MethodSeries> = {};
  const names = [...new Set(perRun.flatMap((r) => [...r.keys()]))];
  const pooled = new Map<string, Array<Map<string, number>>>();
  for (const name of names) {
    const series = perRun.map((r) => r.get(name)).filter((x): x is NonNullable<typeof x> => !!x && x.acc.length > 0);
    if (!series.length) continue;
    const len = Math.max(...series.map((s) => s.acc.length));
    const accuracy: number[] = [],
      stderr: number[] = [];
    for (let i = 0; i < len; i++) {
      const xs = series.map((s) => s.acc[i]).filter((x): x is number => x !== undefined);
      const { mean, std } = meanStd(xs);
      accuracy.push(mean);
      stderr.push(xs.length > 1 ? std : (series[0]!.se[i] ?? 0));
    }
    const across = (pick: (s: Series) => Record<string, number[]>) => {
      const mean: Record<string, number[]> = {},
        sd: Record<string, number[]> = {};
      for (const metric of new Set(series.flatMap((s) => Object.keys(pick(s))))) {
        const at = Array.from({ length: len }, (_, i) =>
          meanStd(series.map((s) => pick(s)[metric]?.[i]).filter((x): x is number => x !== undefined)),
        );
        mean[metric] = at.map((x) => x.mean);
        sd[metric] = at.map((x) => x.std);
      }
      return { mean, sd };
    };
    const div = across((s) => s.div),
      soc = across((s) => s.soc);
    const agentRound1 = Array.from({ length: len }, (_, i) => {
      const width = Math.max(0, ...series.map((s) => s.agent[i]?.length ?? 0));
      return Array.from(
        { length: width },
        (_, a) => meanStd(series.map((s) => s.agent[i]?.[a]).filter((x): x is number => x !== undefined)).mean,
      );
    });
    const treeNames = [...new Set(series.flatMap((s) => Object.keys(s.tree)))];
    // Trees exist from iteration 1 on (index 0 stays NaN: nothing was grown before the first iteration).
    const tree = Object.fromEntries(
      treeNames.map((metric) => [
        metric,
        Array.from(
          { length: len },
          (_, i) => meanStd(series.map((s) => s.tree[metric]?.[i]).filter((x): x is number => x !== undefined)).mean,
        ),
      ]),
    );
    const perIteration = (key: "tree" | "talk") => {
      const names = [...new Set(series.flatMap((s) => Object.keys(s[key])))];
      return names.length
        ? Object.fromEntries(
            names.map((metric) => [
              metric,
              Array.from(
                { length: len },
                (_, i) => meanStd(series.map((s) => s[key][metric]?.[i]).filter((x): x is number => x !== undefined)).mean,
              ),
            ]),
          )
        : undefined;
    };
    const discussion = perIteration("talk");
    methods[name] = {
      accuracy,
      stderr,
      perSeed: series.map((s) => s.acc),
      diversity: div.mean,
      ...(series.length > 1 ? { diversityStd: div.sd } : {}),
      ...(Object.keys(soc.mean).length ? { society: soc.mean, ...(series.length > 1 ? { societyStd: soc.sd } : {}) } : {}),
      ...(agentRound1.some((r) => r.length) ? { agentRound1 } : {}),
      ...(treeNames.length ? { tree } : {}),
      ...(discussion ? { discussion } : {}),
    };
    pooled.set(
      name,
      Array.from({ length: len }, (_, i) => new Map(series.flatMap((s) => [...(s.correct[i] ?? new Map())]))),
    );
  }
  const cfg = runs[0]?.config as
    | { task?: { name?: string; options?: Record<string, string | number | boolean> }; name?: string; agents?: number; rounds?: number }
    | undefined;
  const graphs = cfg?.task?.name && runs[0] ? await graphSections(store, runs[0].id, cfg.task.name, cfg.task.options ?? {}) : [];
  const efficiency = runs[0]
    ? efficiencyRows(await store.metrics.list({ runId: runs[0].id }), {
        agents: cfg?.agents ?? 0,
        rounds: cfg?.rounds ?? 0,
        methods: runs[0].methods,
      })
    : [];
  const order = (runs[0]?.methods as string[] | undefined) ?? names;
  const comparisons = pairedComparisons(
    order.filter((n) => pooled.has(n)),
    pooled,
  );
  return {
    title: `${cfg?.name ?? runs[0]?.name ?? "run"} report`,
    runIds: runs.map((r) => r.id),
    task: cfg?.task?.name ?? "?",
    seeds: runs.map((r) => r.seed),
    methods,
    agents,
    summary: await runSummaryFromStore(store, runs),
    ...(graphs.length ? { graphs } : {}),
    ...(efficiency.length ? { efficiency } : {}),
    ...(comparisons.length ? { comparisons } : {}),
  };
}

/** The untrained debates (iteration 0) where agents read each other (≥ 2 agents, ≥ 2 rounds), one section per group. */
async function graphSections(
  store: Store,
  runId: string,
  taskName: string,
  options: Record<string, string | number | boolean>,
): Promise<GraphSection[]> {
  const stored = await loadGraphs(store, runId, getTask(taskName, options), { iteration: 0 });
  const groups = new Map<string, typeof stored>();
  for (const s of stored) {
    if (s.graph.agents < 2 || s.graph.rounds < 2) continue;
    const k = `${s.method} · ${s.phase}`;
    groups.set(k, [...(groups.get(k) ?? []), s]);
  }
  return [...groups.entries()].map(([k, ss]) =>
    graphSection(
      k,
      ss.map((s) => s.graph),
    ),
  );
}

/**
 * The first method against each other one, per iteration, on the (seed, question) items both have: a
 * paired bootstrap of the per-question correctness, seeded by the pair so the report is reproducible.
 */
function pairedComparisons(order: readonly string[], correct: ReadonlyMap<string, Array<Map<string, number>>>): Comparison[] {
  const out: Comparison[] = [];
  const [a, ...others] = order;
  if (!a) return out;
  for (const b of others) {
    const ca = correct.get(a)!,
      cb = correct.get(b)!;
    for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
      const keys = [...ca[i]!.keys()].filter((k) => cb[i]!.has(k)).sort();
      if (!keys.length) continue;
      const r = pairedBootstrap(
        keys.map((k) => ca[i]!.get(k)!),
        keys.map((k) => cb[i]!.get(k)!),
        { seed: deriveSeed("report-bootstrap", a, b, i) },
      );
      out.push({ a, b, iteration: i, diff: r.diff, lo: r.lo, hi: r.hi, p: r.p, n: r.n });
    }
  }
  return out;
}

async function agentRows(store: Store, runId: string): Promise<AgentIterationRow[]> {
  const out: AgentIterationRow[] = [];
  const agentList = await store.agents.list(runId);
  const byId = new Map(agentList.map((a) => [a.id, a]));
  const datasets = await store.datasets.list({ runId });
  const jobs = await store.trainingJobs.list({ runId, status: "succeeded" });
  for (const job of jobs) {
    const agent = byId.get(job.agentId);
    if (!agent) continue;
    // The set it was trained on (pools such as C− / C+ are stored beside it, for export only).
    const ds = datasets.find((d) => d.id === job.datasetId);
    const curve = (job.lossCurve ?? []) as { step: number; loss: number; valLoss?: number }[];
    out.push({
      runId,
      method: agent.method,
      // A second stage of the same agent and iteration (MALT's DPO after SFT) is its own row.
      agent: `${agent.role} ${agent.agentIndex}${stageOf(job.config) ? ` (${stageOf(job.config)})` : ""}`,
      iteration: job.iteration,
      datasetRows: ds?.rowCount ?? 0,
      finalLoss: curve.length ? curve[curve.length - 1]!.loss : null,
      lossCurve: curve,
    });
  }
  return out;
}

/** The objective of a job other than SFT ("dpo"), from its stored config; undefined for SFT. */
function stageOf(config: unknown): string | undefined {
  const kind = (config as { objective?: { kind?: string } } | null)?.objective?.kind;
  return kind && kind !== "sft" ? kind : undefined;
}
