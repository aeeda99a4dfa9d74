import { Rng } from "../rng.js";

/** A tokenized training sequence; lossMask[i] = 1 makes token i a prediction target (lossMask[0] is ignored). */
export interface TokenSequence {
  tokens: number[];
  lossMask: number[];
}

/**
 * One row of a batch: T input positions, possibly holding several packed sequences.
 * seg = −1 marks padding; target is the next token (−1 at padding); loss = 1 where that target is trained on
 * (assistant tokens), 0 where it is not (prompt tokens): their targets are never seen by the loss.
 */
export interface Row {
  tokens: Int32Array;
  pos: Int32Array;
  seg: Int32Array;
  target: Int32Array;
  loss: Uint8Array;
  /** Number of positions with loss = 1. */
  nTargets: number;
  /** Number of non-padding positions. */
  nTokens: number;
}

export interface PackResult {
  rows: Row[];
  /** Sequences longer than T+1 tokens, split into windows. */
  split: number;
  /** Sequences with no target token at all (skipped). */
  empty: number;
}

export function emptyRow(T: number): Row {
  return {
    tokens: new Int32Array(T),
    pos: new Int32Array(T),
    seg: new Int32Array(T).fill(-1),
    target: new Int32Array(T).fill(-1),
    loss: new Uint8Array(T),
    nTargets: 0,
    nTokens: 0,
  };
}

/** A sequence of L tokens uses L−1 positions: inputs tokens[0..L−2], targets tokens[1..L−1]. */
export interface Piece {
  tokens: number[];
  mask: number[];
}

/**
 * Writes a sequence into `row` from position `at` as a new segment (positions restart at 0, it attends only to
 * itself, see kqMask). The caller checks that it fits (at + tokens − 1 ≤ T). Returns the segment id.
 */
export function placeSequence(row: Row, at: number, p: Piece): number {
  const len = p.tokens.length - 1;
  const segId = row.seg.reduce((m, v) => Math.max(m, v), -1) + 1;
  for (let i = 0; i < len; i++) {
    row.tokens[at + i] = p.tokens[i];
    row.pos[at + i] = i;
    row.seg[at + i] = segId;
    row.target[at + i] = p.tokens[i + 1];
    if (p.mask[i + 1]) {
      row.loss[at + i] = 1;
      row.nTargets++;
    }
  }
  row.nTokens += len;
  return segId;
}

/** Cuts sequences longer than T+1 tokens into windows of T+1 that overlap by one token (every target kept once). */
function pieces(seqs: TokenSequence[], T: number): { pieces: Piece[]; split: number; empty: number } {
  const out: Piece[] = [];
  let split = 0;
  let empty = 0;
  for (const s of seqs) {
    if (s.tokens.length !== s.lossMask.length) throw new Error("tokens and lossMask differ in length");
    if (s.tokens.length < 2 || !s.lossMask.some((m, i) => i > 0 && m)) {
      empty++;
      continue;
    }
    if (s.tokens.length <= T + 1) {
      out.push({ tokens: s.tokens, mask: s.lossMask });
      continue;
    }
    split++;
    for (let start = 0; start < s.tokens.length - 1; start += T) {
      const tokens = s.tokens.slice(start, start + T + 1);
      const mask = s.lossMask.slice(start, start + T + 1);
      if (mask.some((m, i) => i > 0 && m)) out.push({ tokens, mask });
    }
  }
  return { pieces: out, split, empty };
}

/**
 * Packs sequences into rows of T positions (first fit, in the given order), or one sequence per row when
 * `pack` is false. Each packed sequence restarts its positions at 0 and only attends to itself (see kqMask).
 */
export function packRows(seqs: TokenSequence[], T: number, pack: boolean): PackResult {
  const { pieces: ps, split, empty } = pieces(seqs, T);
  const rows: Row[] = [];
  const used: number[] = [];
  for (const p of ps) {
    const len = p.tokens.length - 1;
    let r = pack ? used.findIndex((u) => u + len <= T) : -1;
    if (r < 0) {
      rows.push(emptyRow(T));
      used.push(0);
      r = rows.length - 1;
    }
    placeSequence(rows[r], used[r], p);
    used[r] += len;
  }
  return { rows, split, empty };
}

/**
 * Cuts the padding every row shares: rows of T positions whose fullest row uses only `used` of them become rows
 * of `used` rounded up to a multiple of 8. The packing is unchanged (same sequences in the same rows at the same
 * positions) and padding adds nothing to the loss or gradients, so training is the same at less cost: a
 * requested context of 512 with replies of 300 tokens, one a row, no longer computes 212 padded positions each.
 */
export function trimmedLength(rows: Iterable<Row>, T: number): number {
  let used = 1;
  for (const r of rows) used = Math.max(used, r.nTokens);
  return Math.min(T, Math.ceil(used / 8) * 8);
}

/** The first t positions of a row (t at least its nTokens: see trimmedLength). */
export function cutRow(r: Row, t: number): Row {
  if (r.tokens.length === t) return r;
  return {
    ...r,
    tokens: r.tokens.slice(0, t),
    pos: r.pos.slice(0, t),
    seg: r.seg.slice(0, t),
    target: r.target.slice(0, t),
    loss: r.loss.slice(0, t),
  };
}

/** SFT's train and validation rows, cut to one length (trimmedLength). */
export function trimRows(train: readonly Row[], val: readonly Row[], T: number): { T: number; train: Row[]; val: Row[] } {
  const t = trimmedLength([...train, ...val], T);
  return { T: t, train: train.map((r) => cutRow(r, t)), val: val.map((r) => cutRow(r, t)) };
}

/** Splits items into (train, validation) with a seeded shuffle; at least one training item is kept. */
export function splitValidation<T>(items: T[], fraction: number, seed: number): { train: T[]; val: T[] } {
  if (!(fraction > 0) || items.length < 2) return { train: items.slice(), val: [] };
  const order = new Rng(seed, "val-split").shuffle(items.map((_, i) => i));
  const nVal = Math.min(items.length - 1, Math.max(1, Math.round(items.length * fraction)));
  const valIdx = new Set(order.slice(0, nVal));
  return { train: items.filter((_, i) => !valIdx.has(i)), val: items.filter((_, i) => valIdx.has(i)) };
}

/** Groups rows into micro-batches of B rows; the last one is padded with empty rows (they carry no targets). */
export function microBatches(rows: Row[], B: number, T: number): Row[][] {
  const out: Row[][] = [];
  for (let i = 0; i < rows.length; i += B) {
    const mb = rows.slice(i, i + B);
    while (mb.length < B) mb.push(emptyRow(T));
    out.push(mb);
  }
  return out;
}
