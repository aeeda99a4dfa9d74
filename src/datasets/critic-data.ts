import { Rng } from "../util/rng.js";
import { chainOf } from "./generator-data.js";
import type { BuiltDataset, DatasetRow, DebateTranscript } from "./types.js";

export interface CriticPools {
  /** C−: round 1 wrong (≠ ŷ, unparsed included), final round = ŷ: the critic corrected it. */
  minus: DatasetRow[];
  /** C+: right at round 1 and at the final round: the critic kept a right answer. */
  plus: DatasetRow[];
}

/**
 * Splits critic n's chains into C− and C+ (paper §3.3). A row is the critic's whole conversation up to
 * the final round; only the final-round response is trained on (earlier assistant turns carry weight 0,
 * since the round-1 response was the generator's and may be wrong).
 */
export function criticPools(debates: readonly DebateTranscript[], agent: number): CriticPools {
  const pools: CriticPools = { minus: [], plus: [] };
  for (const d of debates) {
    if (d.consensus === null) continue;
    const chain = chainOf(d, agent);
    if (!chain || chain.turns.length < 2) continue;
    const turns = [...chain.turns].sort((a, b) => a.round - b.round);
    const first = turns[0]!;
    const last = turns[turns.length - 1]!;
    if (last.answer !== d.consensus) continue;
    const history = last.prompt.map((m) => (m.role === "assistant" ? { ...m, weight: 0 as const } : m));
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
