import { magdiSettings, type MethodName } from "../config/schema.js";
import { magdiData } from "../datasets/magdi-data.js";
import { generatorChat } from "../protocols/debate/index.js";
import { loadGraphs } from "../graphs/index.js";
import { MAGDI_METRIC } from "../metrics/names.js";
import type { Objective } from "../training/types.js";
import { costPerQuestion, evaluateStudent } from "./steps/evaluate-student.js";
import { once } from "./steps/once.js";
import { saveDataset } from "./steps/save-dataset.js";
import { trainStudent } from "./steps/train-student.js";
import { loadTranscripts } from "./steps/transcripts.js";
import type { Method, MethodContext } from "./types.js";

/** Which of MAGDi's three terms an ablation keeps (weights from the config's `magdi` section). */
type Terms = { nt: true; mr: boolean; node: boolean };

/**
 * MAGDi (Chen et al., ICML 2024): the untrained society — the teachers, each agent its own model when
 * `agent_models` says so (the paper: GPT-4, Bard, Claude 2 in ReConcile; default shape 3 agents × 4 rounds)
 * — debates the train split (the debate every method shares at iteration 0); its debates become interaction
 * graphs (src/graphs), and a student (`magdi.student`, a smaller model) is trained on them once with the
 * `magdi` objective, then answers the test split alone: k samples per question, a single sample's accuracy
 * and the vote of the k (self-consistency). Iteration 0 is the untrained student (shared by the three
 * methods), iteration 1 the distilled one. Ablations as in the paper's Table 3: magdi-nt = next-token loss
 * on correct nodes only; magdi-nt-mr = + margin ranking; magdi = + node classification.
 */
export function magdiMethod(name: MethodName, terms: Terms): Method {
  return {
    name,
    async run(ctx: MethodContext) {
      const m = magdiSettings(ctx.config);
      const student = ctx.student;
      if (!student) throw new Error(`${name}: the run did not resolve magdi.student`);
      const teachers = {
        generators: ctx.agentModels,
        critics: ctx.agentModels,
        rounds: ctx.config.rounds,
        summarize: ctx.config.debate.summarize,
      };

      // The untrained student (same model and seeds for every MAGDi method: one stored set of samples).
      await evaluateStudent(ctx, name, 0, student, m.self_consistency, "magdi-student");

      // The teachers' debates: train (the graphs) and test (their accuracy and cost, beside the student's).
      await ctx.debates.run({
        method: "base",
        iteration: 0,
        phase: "train",
        questions: ctx.train,
        ...teachers,
        label: `${name}: teachers debate the train split`,
      });
      await ctx.debates.run({
        method: "base",
        iteration: 0,
        phase: "test",
        questions: ctx.test,
        ...teachers,
        label: `${name}: teachers debate the test split`,
      });
      await once(ctx, `${name}/teachers/cost`, async () => {
        const cost = await costPerQuestion(ctx, await loadTranscripts(ctx, "base", 0, "test"), {
          method: "base",
          iteration: 0,
          phase: "test",
        });
        const row = (n: string, value: number) => ({ runId: ctx.runId, method: name, iteration: 0, name: n, scope: "teachers", value });
        await ctx.store.metrics.put(
          [
            row(MAGDI_METRIC.tokensPerQuestion, cost.tokens),
            row(MAGDI_METRIC.singleTokensPerQuestion, cost.singleTokens),
            row(MAGDI_METRIC.majorityTokensPerQuestion, cost.round1Tokens),
            ...(Number.isFinite(cost.wall)
              ? [row(MAGDI_METRIC.secondsPerQuestion, cost.wall), row(MAGDI_METRIC.cpuSecondsPerQuestion, cost.cpu)]
              : []),
          ].filter((r) => Number.isFinite(r.value)),
        );
      });

      // Graphs → the student's training graphs (its prompt: the question alone, as at test time).
      const byQid = new Map(ctx.train.map((q) => [q.id, q]));
      const graphs = (await loadGraphs(ctx.store, ctx.runId, ctx.task, { method: "base", iteration: 0, phase: "train" }))
        .map((s) => s.graph)
        .filter((g) => byQid.has(g.questionId));
      const data = magdiData(graphs, (g) => generatorChat({ task: ctx.task.name, vars: ctx.task.promptVars(byQid.get(g.questionId)!) }));
      const agent = await ctx.store.agents.getOrCreate({ runId: ctx.runId, method: name, role: "single", agentIndex: 0 });
      await ctx.store.modelVersions.insert({
        agentId: agent.id,
        iteration: 0,
        kind: "base",
        path: student.base,
        meta: { base: student.base, student: true },
      });
      const dataset = await saveDataset(ctx, agent, 1, data.correct);
      const objective: Objective = {
        kind: "magdi",
        alpha: m.alpha,
        beta: terms.node ? m.beta : 0,
        gamma: terms.mr ? m.gamma : 0,
        margin: m.margin,
        gcnHidden: m.gcn_hidden,
        gcnDropout: m.gcn_dropout,
      };
      const v = await trainStudent(ctx, agent, 1, dataset, { student, graphs: data.graphs, objective });
      const trained = v.kind === "lora" ? { base: student.base, adapter: v.path! } : { base: v.path! };
      await evaluateStudent(ctx, name, 1, trained, m.self_consistency);
    },
  };
}

export const magdi = magdiMethod("magdi", { nt: true, mr: true, node: true });
export const magdiNt = magdiMethod("magdi-nt", { nt: true, mr: false, node: false });
export const magdiNtMr = magdiMethod("magdi-nt-mr", { nt: true, mr: true, node: false });
