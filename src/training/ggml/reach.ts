import { GGML_TYPE, type Ggml } from "./ffi/index.js";
import type { ModelWeights } from "./model/weights.js";
import type { Row, TokenSequence } from "./data/rows.js";

/**
 * Which trained tokens can the base's output layer produce at all?
 *
 * LoRA below the LM head can move the final hidden state, but the logits stay l = W_out·(g ⊙ n) + b with
 * W_out, the final RMSNorm gain g and b frozen, and n = x/rms(x) on the sphere |n| = √d. So the most a
 * token t can ever get is P*(t) = max over that sphere of softmax(l)_t — a property of the frozen head
 * alone. A token whose row lies inside the others' convex hull (never the argmax, e.g. a reserved token
 * whose row was never trained) has P* well below 1, and no training of the layers below can push its loss
 * under −log P*(t): the reply cannot be learned unless `output` is adapted too.
 *
 * We find P*(t) by projected gradient ascent on the sphere, starting from n ∝ g ⊙ w_t (where most tokens
 * already win outright, one mat-vec). The value is an achieved probability, so "below the threshold" means
 * the search did not get higher. Cost: one V×d mat-vec per token checked, ≈150 more for a token that fails.
 */

/** llama.cpp's llama_token_type: NORMAL text pieces and BYTE fallbacks are what pretraining produces. */
const TYPE_NAMES: Record<number, string> = { 1: "normal", 2: "unknown", 3: "control", 4: "user-defined", 5: "unused", 6: "byte" };

export interface TokenReach {
  id: number;
  piece: string;
  type: string;
  /** Trained positions (loss mask 1) with this token as the target. */
  count: number;
  /** The highest next-token probability found for it over all final hidden states. */
  best: number;
}

export interface ReachReport {
  /** Distinct trained tokens, and how many were checked (special and smallest-norm rows first, within budget). */
  distinct: number;
  checked: number;
  unreachable: TokenReach[];
  /** Why nothing was checked (e.g. a quantized output layer). */
  skipped?: string;
}

export interface ReachOptions {
  /** A token is unreachable when its best probability stays below this (default 0.5: loss ≥ ln 2 ≈ 0.69). */
  threshold?: number;
  /** Most multiply-adds to spend (default 3e9: about a second in JS; ≈11 tokens of a 128k-vocabulary 1B model, every token of a small one). */
  budget?: number;
  ascentSteps?: number;
}

/** Reads a 2-D weight to host F32 (rows of `ne[0]`), or undefined for a quantized type. */
function readRows(g: Ggml, w: ModelWeights, name: string): Float32Array | undefined {
  const e = w.entries.get(name);
  if (!e) return undefined;
  const n = e.ne[0] * e.ne[1] * e.ne[2] * e.ne[3];
  const out = new Float32Array(n);
  if (e.type === GGML_TYPE.F32) g.backend.tensor_get(w.must(name), out, 0, n * 4);
  else if (e.type === GGML_TYPE.F16 || e.type === GGML_TYPE.BF16) {
    const half = new Uint16Array(n);
    g.backend.tensor_get(w.must(name), half, 0, n * 2);
    if (e.type === GGML_TYPE.F16) g.core.fp16_to_fp32_row(half, out, n);
    else g.core.bf16_to_fp32_row(half, out, n);
  } else return undefined;
  return out;
}

/** How often each token is a trained target in tokenized sequences (lossMask[i] = 1 trains token i). */
export function targetCounts(seqs: readonly TokenSequence[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const s of seqs)
    for (let i = 1; i < s.tokens.length; i++) if (s.lossMask[i]) counts.set(s.tokens[i]!, (counts.get(s.tokens[i]!) ?? 0) + 1);
  return counts;
}

/** The same over packed rows (what an objective's plan holds). */
export function rowTargetCounts(rows: readonly Pick<Row, "target" | "loss">[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const r of rows)
    for (let i = 0; i < r.target.length; i++)
      if (r.loss[i] && r.target[i]! >= 0) counts.set(r.target[i]!, (counts.get(r.target[i]!) ?? 0) + 1);
  return counts;
}

/** `counts`: trained target token → positions (targetCounts / rowTargetCounts). */
export function checkOutputReach(g: Ggml, w: ModelWeights, counts: ReadonlyMap<number, number>, opts: ReachOptions = {}): ReachReport {
  const threshold = opts.threshold ?? 0.5;
  const head = w.entries.has("output.weight") ? "output.weight" : "token_embd.weight";
  const W = readRows(g, w, head);
  const gain = readRows(g, w, "output_norm.weight");
  const bias = w.entries.has("output.bias") ? readRows(g, w, "output.bias") : undefined;
  const report: ReachReport = { distinct: counts.size, checked: 0, unreachable: [] };
  if (!W || !gain) return { ...report, skipped: `${head} is quantized` };
  const d = gain.length;
  const V = W.length / d;
  const pieces = w.file.get("tokenizer.ggml.tokens") as string[] | undefined;
  const types = w.file.get("tokenizer.ggml.token_type") as number[] | undefined;

  // The logit of s is w_s · (g ⊙ n) (+ b_s); |g ⊙ w_s| orders the candidates.
  const norms = new Float32Array(V);
  for (let s = 0; s < V; s++) {
    let q = 0;
    for (let j = 0; j < d; j++) q += (W[s * d + j]! * gain[j]!) ** 2;
    norms[s] = Math.sqrt(q);
  }
  const gw = (t: number) => W.slice(t * d, (t + 1) * d).map((x, j) => x * gain[j]!);
  const special = (t: number) => types !== undefined && types[t] !== 1 && types[t] !== 6;
  const order = [...counts.keys()].filter((t) => t < V).sort((a, b) => Number(special(b)) - Number(special(a)) || norms[a]! - norms[b]!);
  const logits = new Float32Array(V);
  const gn = new Float32Array(d);
  const probs = (n: Float32Array): Float32Array => {
    for (let j = 0; j < d; j++) gn[j] = gain[j]! * n[j]!;
    let max = -Infinity;
    for (let s = 0; s < V; s++) {
      let x = bias ? bias[s]! : 0;
      const row = s * d;
      for (let j = 0; j < d; j++) x += W[row + j]! * gn[j]!;
      logits[s] = x;
      if (x > max) max = x;
    }
    let z = 0;
    for (let s = 0; s < V; s++) z += logits[s] = Math.exp(logits[s]! - max);
    for (let s = 0; s < V; s++) logits[s]! /= z;
    return logits;
  };
  const toSphere = (v: Float32Array): Float32Array => {
    let q = 0;
    for (const x of v) q += x * x;
    const f = q > 0 ? Math.sqrt(d / q) : 0;
    for (let j = 0; j < d; j++) v[j]! *= f;
    return v;
  };

  let spent = 0;
  const budget = opts.budget ?? 3e9;
  for (const t of order) {
    if (spent + V * d > budget) break;
    spent += V * d;
    report.checked++;
    let n = toSphere(gw(t));
    if (norms[t] === 0) n = toSphere(Float32Array.from({ length: d }, (_, j) => (j === 0 ? 1 : 0)));
    let best = probs(n)[t]!;
    if (best >= threshold) continue;
    // Ascent on log p_t: gradient g ⊙ (w_t − Σ p_s w_s), projected on the sphere's tangent.
    let step = 0.5;
    for (let it = 0; it < (opts.ascentSteps ?? 50) && step > 1e-4 && best < threshold; it++) {
      const p = probs(n);
      const grad = W.slice(t * d, (t + 1) * d);
      for (let s = 0; s < V; s++) {
        const ps = p[s]!;
        if (ps < 1e-12) continue;
        const row = s * d;
        for (let j = 0; j < d; j++) grad[j]! -= ps * W[row + j]!;
      }
      for (let j = 0; j < d; j++) grad[j]! *= gain[j]!;
      let dot = 0;
      for (let j = 0; j < d; j++) dot += grad[j]! * n[j]!;
      let gnorm = 0;
      for (let j = 0; j < d; j++) {
        grad[j]! -= (dot / d) * n[j]!;
        gnorm += grad[j]! * grad[j]!;
      }
      gnorm = Math.sqrt(gnorm);
      if (gnorm < 1e-9) break;
      // Backtracking: a step of `step`·√d along the tangent direction, halved until p_t improves.
      for (;;) {
        const cand = toSphere(n.map((x, j) => x + (step * Math.sqrt(d) * grad[j]!) / gnorm));
        const pc = probs(cand)[t]!;
        spent += V * d;
        if (pc > best) {
          n = cand;
          best = pc;
          step = Math.min(1, step * 1.5);
          break;
        }
        step /= 2;
        if (step < 1e-4) break;
      }
      spent += 2 * V * d;
    }
    if (best < threshold) {
      report.unreachable.push({
        id: t,
        piece: pieces?.[t] ?? String(t),
        type: TYPE_NAMES[types?.[t] ?? 0] ?? "?",
        count: counts.get(t)!,
        best,
      });
    }
  }
  return report;
}

/** The training warning for unreachable tokens, with the fix for this model. */
export function reachWarning(r: ReachReport, targets: readonly string[], tiedOutput: boolean): string | undefined {
  if (r.unreachable.length === 0) return undefined;
  const list = r.unreachable
    .slice(0, 8)
    .map(
      (u) =>
        `${JSON.stringify(u.piece)} (id ${u.id}, ${u.type}, ${u.count} trained position${u.count === 1 ? "" : "s"}): at most p ≈ ${u.best.toPrecision(2)}, loss ≥ ${(-Math.log(u.best)).toFixed(2)}`,
    )
    .join("; ");
  const more = r.unreachable.length > 8 ? ` and ${r.unreachable.length - 8} more` : "";
  const fix = tiedOutput
    ? "This model ties its output layer to the token embedding, which LoRA cannot adapt: train with --mode full (run config: training.mode: full), or keep these tokens out of the replies."
    : `Add the output layer to the LoRA targets: --targets ${[...targets, "output"].join(",")} (run config: training.lora.targets).`;
  return `${r.unreachable.length} trained token${r.unreachable.length === 1 ? " is" : "s are"} out of reach of this base's output layer, which LoRA on ${targets.join(",")} leaves frozen — whatever the layers below produce, the model cannot predict ${r.unreachable.length === 1 ? "it" : "them"} reliably: ${list}${more}. ${fix}`;
}
