import { Rng } from "../util/rng.js";
import { chainOf } from "./generator-data.js";
import { usableLabel } from "./labels.js";
import type { BuiltDataset, DatasetRow, DebateTranscript } from "./types.js";

export interface CriticPools {
  /** C−: round 1 wrong (≠ ŷ, unparsed included), final round = ŷ: the critic corrected it. */
  minus: DatasetRow[];
  /** C+: right at round 1 and at the final round: the critic kept a right answer. */
  plus: DatasetRow[];
}

/**
 * Splits critic n's chains into C− and C+ (paper §3.3). A row is the agent's whole chain through the
 * debate (its round-1 answer, then each critic turn with the prompts it read), and the critic learns
 * from the whole chain: every assistant turn whose answer is ŷ is trained on, the others stay as context
 * (weight 0). So in C− the wrong round-1 answer is context and every later turn that reached ŷ is a
 * target; in C+ the right round-1 answer is a target too. With 2 rounds that is the final turn (and, in
 * C+, round 1). `minVotes`: see labels.ts.
 */
export function criticPools(debates: readonly DebateTranscript[], agent: number, opts: { minVotes?: number } = {}): CriticPools {
  const pools: CriticPools = { minus: [], plus: [] };
  for (const d of debates) {
    if (!usableLabel(d, opts.minVotes)) continue;
    const chain = chainOf(d, agent);
    if (!chain || chain.turns.length < 2) continue;
    const turns = [...chain.turns].sort((a, b) => a.round - b.round);
    const first = turns[0]!;
    const last = turns[turns.length - 1]!;
    if (last.answer !== d.consensus) continue;
    // The final turn's prompt holds the chain so far: its assistant messages are turns[0..M-2], in order.
    let k = 0;
    const history = last.prompt.map((m) => {
      if (m.role !== "assistant") return m;
      const t = turns[k++];
      return t && t.answer === d.consensus && t.completion === m.content ? m : { ...m, weight: 0 as const };
    });
    const row: DatasetRow = {
      questionId: d.questionId,
      sourceTurnIds: turns.map((t) => t.turnId),
      messages: [...history, { role: "assistant", content: last.completion }],
    };
    (first.answer === d.consensus ? pools.plus : pools.minus).push(row);
  }
  return pools;
}

export interface MixOptions {
  /** Share of the mix drawn from C− (paper's w; default 0.5). */
  w: number;
  /** How many rows the mix has; defaults to |C−| + |C+|. */
  size?: number;
  seed: number;
}

/**
 * D^C = w·D^C− + (1−w)·D^C+ by sampling: round(w·size) rows from C− and the rest from C+. A pool smaller
 * than its share is drawn with replacement so the ratio holds; an empty pool gives its share to the other.
 */
export function mixCriticData(pools: CriticPools, agent: number, opts: MixOptions): BuiltDataset {
  const size = opts.size ?? pools.minus.length + pools.plus.length;
  let nMinus = Math.round(opts.w * size);
  if (pools.minus.length === 0) nMinus = 0;
  if (pools.plus.length === 0) nMinus = pools.minus.length === 0 ? 0 : size;
  const nPlus = pools.plus.length === 0 ? 0 : size - nMinus;
  const rng = new Rng(opts.seed);
  const minus = rng.sample(pools.minus, nMinus, nMinus > pools.minus.length);
  const plus = rng.sample(pools.plus, nPlus, nPlus > pools.plus.length);
  const rows = rng.shuffle([...minus, ...plus]);
  return {
    kind: "C",
    agent,
    rows,
    info: {
      w: opts.w,
      cMinusAvailable: pools.minus.length,
      cPlusAvailable: pools.plus.length,
      cMinusDrawn: minus.length,
      cPlusDrawn: plus.length,
      withReplacement: nMinus > pools.minus.length || nPlus > pools.plus.length,
    },
  };
}
