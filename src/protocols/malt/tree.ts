/**
 * MALT (Motwani et al., 2024, "MALT: Improving Reasoning with Multi-Agent LLM Training", §3): a
 * sequential generator → verifier → refiner pipeline, expanded as a search tree. For branching
 * [g, v, r] the generator answers g times; the verifier critiques each answer v times; the refiner
 * rewrites each (answer, critique) r times: g·v·r leaves. Training expands [n, n, n] (n = 3: 27
 * leaves per question); inference runs k independent chains, [k, 1, 1], and the final answer is the
 * majority vote of the refiners' answers (which is also what a training tree's unit records).
 *
 * Node paths name each turn's place: generator i is "i", its verifier j "i.j", that verifier's refiner
 * k "i.j.k"; each turn stores its parent turn. Seeds come from the node path (see ../seed.ts), so a
 * resumed tree regrows exactly the branches it had not stored yet.
 */
import { allOrFirstError } from "../turns.js";
import { seatOf, type Protocol, type Turns } from "../types.js";
import { majorityVote } from "../vote.js";
import { generatorChat, refinerChat, verifierChat, type MaltPromptSource } from "./prompts.js";

export const MALT_ROLES = ["generator", "verifier", "refiner"] as const;
export type MaltRole = (typeof MALT_ROLES)[number];

/** Depth of each role in the tree (the turn's `round`). */
export const MALT_DEPTH: Record<MaltRole, number> = { generator: 1, verifier: 2, refiner: 3 };

export interface MaltSettings {
  /** Samples per level: [generator answers, critiques per answer, refinements per critique]. */
  branching: readonly [number, number, number];
}

export function maltProtocol(o: MaltSettings): Protocol {
  const [g, v, r] = o.branching;
  if (![g, v, r].every((x) => Number.isInteger(x) && x >= 1))
    throw new Error(`malt: branching must be three positive integers, got [${o.branching.join(", ")}]`);
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  return {
    name: "malt",
    roles: MALT_ROLES,
    async run({ question, task, promptsDir }, seats, turns: Turns) {
      const G = seatOf(seats, "generator", 0, "malt"),
        V = seatOf(seats, "verifier", 0, "malt"),
        R = seatOf(seats, "refiner", 0, "malt");
      const src: MaltPromptSource = { task: task.name, vars: task.promptVars(question), dir: promptsDir };
      const leaves = (
        await allOrFirstError(
          range(g).map(async (i) => {
            const answer = await turns.take({ seat: G, round: 1, node: `${i}`, prompt: generatorChat(src), parse: true });
            return (
              await allOrFirstError(
                range(v).map(async (j) => {
                  const critique = await turns.take({
                    seat: V,
                    round: 2,
                    node: `${i}.${j}`,
                    parent: answer,
                    prompt: verifierChat(src, answer.completion),
                    parse: true,
                  });
                  return allOrFirstError(
                    range(r).map((k) =>
                      turns.take({
                        seat: R,
                        round: 3,
                        node: `${i}.${j}.${k}`,
                        parent: critique,
                        prompt: refinerChat(src, answer.completion, critique.completion),
                        parse: true,
                      }),
                    ),
                  );
                }),
              )
            ).flat();
          }),
        )
      ).flat();
      const vote = majorityVote(
        leaves.map((t) => ({ answer: t.parsedAnswer })),
        (a) => task.canonical(a),
        turns.seed("vote", "refiners"),
      );
      return { finalAnswer: vote.answer, votes: vote.votes, tieBreak: vote.tieBreak };
    },
  };
}
