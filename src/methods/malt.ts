import { maltPairs, maltSftData } from "../datasets/malt-data.js";
import { maltSettings, type MethodName } from "../config/schema.js";
import { TREE } from "../metrics/names.js";
import type { Seat } from "../protocols/index.js";
import { MALT_ROLES, maltProtocol } from "../protocols/malt/tree.js";
import type { ScoredTree } from "../protocols/malt/credit.js";
import { evaluateChains } from "./steps/evaluate-chains.js";
import { once } from "./steps/once.js";
import { runProtocol } from "./steps/run-protocol.js";
import { saveDataset } from "./steps/save-dataset.js";
import { ensureRoleAgents, modelsAt } from "./steps/society.js";
import { trainAgent } from "./steps/train-agent.js";
import { trainSftThenDpo } from "./steps/train-sft-dpo.js";
import { loadTrees } from "./steps/trees.js";
import type { Method, MethodContext } from "./types.js";

/** Iteration-0 work (the untrained agents' trees and evaluation) is identical for every MALT method: stored once under this key. */
const SHARED = "malt-base";

/**
 * MALT (Motwani et al., 2024): a generator, a verifier and a refiner, each a LoRA over the one base.
 * For each iteration l = 1..L:
 *   1. with the agents of iteration l−1, grow a search tree per train question: n answers, n critiques
 *      each, n refinements each (n³ leaves);
 *   2. credit assignment: each leaf's reward is its answer against the ground truth, a node's value the
 *      mean of its children's, correct = value > threshold;
 *   3. generator: SFT on its correct-valued answers; verifier and refiner: SFT on their correct-valued
 *      outputs, then DPO on sibling pairs (correct vs incorrect, same parent) — or SFT only
 *      (`malt-sft-only`, the ablation without DPO);
 *   4. evaluate: k parallel chains per test question, majority vote of the refiners' answers.
 */
export function maltMethod(name: MethodName, o: { dpo: boolean }): Method {
  return {
    name,
    async run(ctx: MethodContext) {
      const m = maltSettings(ctx.config);
      const agents = await ensureRoleAgents(ctx, name, MALT_ROLES);
      const seatsAt = async (l: number): Promise<Seat[]> =>
        (await modelsAt(ctx, agents, l)).map((model, i) => ({ role: agents[i]!.role, index: 0, model }));
      const trainQs = m.train_questions ? ctx.train.slice(0, m.train_questions) : ctx.train;
      const n = m.branching;

      await evaluateChains(ctx, name, 0, await seatsAt(0), m.chains, SHARED);
      for (let l = 1; l <= ctx.config.iterations; l++) {
        // 1. Trees on the train split with the agents of iteration l−1 (the untrained agents' trees are shared).
        const treeKey = l === 1 ? SHARED : name;
        await once(ctx, `${name}/it${l}/trees`, async () => {
          await runProtocol(ctx, {
            protocol: maltProtocol({ branching: [n, n, n] }),
            method: treeKey,
            iteration: l - 1,
            phase: "train",
            questions: trainQs,
            seats: await seatsAt(l - 1),
            seedScope: `malt/train/it${l - 1}`,
            label: `${name} trees it${l}`,
          });
        });
        // 2. Values and labels.
        const trees = (await loadTrees(ctx, treeKey, l - 1, "train", m.threshold)).map((t) => t.tree);

        // 3. Each role's data and training.
        const stats: Record<string, number> = {};
        for (const agent of agents) {
          const sft = maltSftData(trees, agent.role);
          const pairs = maltPairs(trees, agent.role);
          stats[TREE.sft(agent.role)] = sft.rows.length;
          if (agent.role !== "generator") stats[TREE.pairs(agent.role)] = pairs.rows.length;
          const sftSet = await saveDataset(ctx, agent, l, sft);
          if (o.dpo && agent.role !== "generator") await trainSftThenDpo(ctx, agent, l, sftSet, pairs, m.dpo);
          else await trainAgent(ctx, agent, l, sftSet);
        }
        await putTreeStats(ctx, name, l, trees, stats);

        // 4. Evaluate the new agents.
        await evaluateChains(ctx, name, l, await seatsAt(l), m.chains);
      }
    },
  };
}

async function putTreeStats(
  ctx: MethodContext,
  method: string,
  l: number,
  trees: readonly ScoredTree[],
  stats: Record<string, number>,
): Promise<void> {
  const leaves = trees.flatMap((t) => t.leaves);
  const values: Record<string, number> = {
    [TREE.questions]: trees.length,
    [TREE.leaves]: leaves.length,
    [TREE.correctLeafShare]: leaves.length ? leaves.filter((x) => x.value === 1).length / leaves.length : 0,
    ...stats,
  };
  await ctx.store.metrics.put(
    Object.entries(values).map(([name, value]) => ({ runId: ctx.runId, method, iteration: l, name, scope: "run", value })),
  );
  ctx.log(
    `${method} it${l} trees: ${values[TREE.questions]} questions, ${values[TREE.leaves]} leaves, ${(100 * values[TREE.correctLeafShare]!).toFixed(1)}% right; ` +
      Object.entries(stats)
        .map(([k, v]) => `${k.replace("tree_", "")} ${v}`)
        .join(", "),
  );
}

export const malt = maltMethod("malt", { dpo: true });
export const maltSftOnly = maltMethod("malt-sft-only", { dpo: false });
