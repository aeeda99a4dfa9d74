/**
 * `magdi`: structured distillation of multi-agent interaction graphs (Chen et al., ICML 2024; code
 * dinobby/MAGDi model.py, utils.py). Per micro-batch of whole graphs (each node = the question and one agent's
 * response of one round, as the student would answer it), with h_v the student's pooled last hidden states:
 *
 *   L = α · L_NT  +  β · L_node  +  γ · L_MR
 *   L_NT   = next-token cross-entropy on the correct nodes' replies, the mean over their tokens;
 *   L_node = cross-entropy of a 2-layer GCN's node classes (incorrect / correct / absent) over the graph,
 *            GCN(h) = Â·(dropout(relu(Â·h·W1 + b1))·W2) + b2 with Â = D^−½(A + I)D^−½ (PyG GCNConv), the mean
 *            over nodes;
 *   L_MR   = max(0, margin − (s(h+) − s(h−))), s = tanh(MLP(h)) with MLP = Linear(d, d) → ReLU → Linear(d, 1),
 *            over (correct, incorrect) pairs of one question (the minority side repeated cyclically to the
 *            majority's length, as the code's prepare_contrastive_samples), the mean over pairs.
 *
 * Each term is a mean within its micro-batch and a step averages its micro-batches (what the code's HF
 * Trainer does with gradient accumulation), so a micro-batch is one unit. The GCN and MLP are head
 * parameters: optimized with the student, never saved. Where we depart from the released code (each also
 * in the README): node features are the student's live pooled states, so L_node trains the student as the
 * paper describes (the code feeds a GCN precomputed base-model embeddings, get_node_emb.py, so its L_node
 * never reaches the decoder); the next-token loss covers the reply only (the code's labels include the
 * question); each correct node is trained once (the code repeats positives to pair them with negatives).
 * Pooling is the code's position-weighted mean (weights 1, 2, …, L over a node's tokens, prompt included).
 */
import { UserError } from "../../../errors.js";
import type { ChatMessage, GraphNodeLabel, TrainGraph } from "../../types.js";
import { emptyRow, placeSequence, splitValidation, type Piece, type Row } from "../data/rows.js";
import { GGML_TYPE, type Ctx, type Ggml, type Tensor } from "../ffi/index.js";
import { spanMeans } from "../model/graph.js";
import { Rng } from "../rng.js";
import { checkVocab, cutPiece, epochBatches, pickContext } from "./planning.js";
import type { HeadSetup, LossHead, MicroBatch, ObjectiveRunner } from "./objective.js";
import { fitRows } from "./row-fit.js";

export interface MagdiConfig {
  alpha: number;
  beta: number;
  gamma: number;
  margin: number;
  gcnHidden: number;
  gcnDropout: number;
}

/** Class indices as in the paper's code: 0 incorrect, 1 correct, 2 absent. */
export const NODE_CLASS: Record<GraphNodeLabel, number> = { incorrect: 0, correct: 1, absent: 2 };
const CLASSES = 3;

/** A tokenized graph: the nodes this objective needs, edges among them, and its ranking pairs. */
export interface TokenGraph {
  /** `piece.mask` trains a correct node's reply (α > 0); every other node is context only. */
  nodes: { piece: Piece; label: GraphNodeLabel }[];
  edges: [number, number][];
  /** (correct node, incorrect node), indices into `nodes`. */
  pairs: [number, number][];
}

export interface MagdiPayload {
  graphs: TokenGraph[];
  /** Where each graph's nodes sit: row b, packed segment seg. */
  slots: { b: number; seg: number }[][];
  nodes: number;
  pairs: number;
  /** Trained next-token targets (correct nodes' reply tokens). */
  ntTargets: number;
}

/** (correct, incorrect) pairs of one graph, the minority side repeated cyclically (utils.py prepare_contrastive_samples). */
export function contrastivePairs(labels: readonly GraphNodeLabel[]): [number, number][] {
  const pos = labels.flatMap((l, i) => (l === "correct" ? [i] : []));
  const neg = labels.flatMap((l, i) => (l === "incorrect" ? [i] : []));
  if (pos.length === 0 || neg.length === 0) return [];
  return Array.from({ length: Math.max(pos.length, neg.length) }, (_, i) => [pos[i % pos.length]!, neg[i % neg.length]!]);
}

/**
 * Â = D^−½ (A + I) D^−½ for directed edges s → t, as PyG's GCNConv (flow source → target, self-loops added,
 * deg = 1 + in-degree): Â[t][s] = 1/√(deg(s)·deg(t)). Row t of the result, column s.
 */
export function gcnNormalized(n: number, edges: readonly [number, number][]): Float64Array {
  const deg = new Float64Array(n).fill(1);
  for (const [, t] of edges) deg[t]!++;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) a[i * n + i] = 1 / deg[i]!;
  for (const [s, t] of edges) a[t * n + s]! += 1 / Math.sqrt(deg[s]! * deg[t]!);
  return a;
}

/** Where the head's inputs and parameters live; sizes fixed when the plan is made. */
interface Dims {
  /** Nodes per micro-batch (at most). */
  M: number;
  /** Ranking pairs per micro-batch (at most). */
  P: number;
}

/** tanh(x) = 2·σ(2x) − 1 = 2·exp(−softplus(−2x)) − 1: ggml has no backward for TANH or SIGMOID, but has one for these. */
function tanh(c: Ggml["core"], ctx: Ctx, x: Tensor): Tensor {
  return c.scale_bias(ctx, c.exp(ctx, c.scale(ctx, c.softplus(ctx, c.scale(ctx, x, -2)), -1)), 2, -1);
}

/** PyTorch/PyG initialisations: glorot for GCNConv weights, kaiming-uniform(a = √5) = U(±1/√fan_in) for Linear. */
const glorot = (rng: Rng, fanIn: number, fanOut: number) => {
  const b = Math.sqrt(6 / (fanIn + fanOut));
  return Float32Array.from({ length: fanIn * fanOut }, () => rng.uniform(-b, b));
};
const linearInit = (rng: Rng, fanIn: number, n: number) =>
  Float32Array.from({ length: n }, () => rng.uniform(-1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn)));

/**
 * The MAGDi loss head for micro-batches of at most M nodes and P pairs. Outputs the unweighted terms it uses
 * (`nt`, `node`, `mr`), the pooled node states, the GCN's class logits per node and the MLP's pair margins.
 */
export function magdiHead(cfg: MagdiConfig, dims: Dims, seed: number): (setup: HeadSetup) => LossHead<MagdiPayload> {
  return (setup) => {
    const { g, N, nEmbd: E } = setup;
    const c = g.core;
    const { M, P } = dims;
    const H = cfg.gcnHidden;
    const useNode = cfg.beta > 0;
    const useMr = cfg.gamma > 0;
    const F32 = GGML_TYPE.F32;
    const pool = useNode || useMr ? setup.input("magdi_pool", F32, [N, M]) : null;
    const ntScale = setup.input("magdi_nt_scale", F32, [1]);
    const adj = useNode ? setup.input("magdi_adj", F32, [M, M]) : null;
    const labels = useNode ? setup.input("magdi_labels", F32, [CLASSES, M]) : null;
    const nodeMask = useNode ? setup.input("magdi_node_mask", F32, [1, M]) : null;
    const nodeScale = useNode ? setup.input("magdi_node_scale", F32, [1]) : null;
    const drop = useNode ? setup.input("magdi_gcn_dropout", F32, [H, M]) : null;
    const sel = useMr ? setup.input("magdi_pair_sel", F32, [M, P]) : null;
    const pairMask = useMr ? setup.input("magdi_pair_mask", F32, [1, P]) : null;
    const mrScale = useMr ? setup.input("magdi_mr_scale", F32, [1]) : null;
    const rng = new Rng(seed, "magdi-heads");
    const gcn = useNode
      ? {
          w1: setup.param("gcn.w1", [E, H], glorot(rng, E, H)),
          b1: setup.param("gcn.b1", [H], new Float32Array(H)),
          w2: setup.param("gcn.w2", [H, CLASSES], glorot(rng, H, CLASSES)),
          b2: setup.param("gcn.b2", [CLASSES], new Float32Array(CLASSES)),
        }
      : null;
    const mlp = useMr
      ? {
          w1: setup.param("mlp.w1", [E, E], linearInit(rng, E, E * E)),
          b1: setup.param("mlp.b1", [E], linearInit(rng, E, E)),
          w2: setup.param("mlp.w2", [E, 1], linearInit(rng, E, E)),
          b2: setup.param("mlp.b2", [1], linearInit(rng, E, 1)),
        }
      : null;
    const dropRng = new Rng(seed, "magdi-gcn-dropout");
    const { backend } = g;
    const put = (t: Tensor | null, data: Float32Array) => {
      if (t) backend.tensor_set(t, data, 0, data.length * 4);
    };
    const hPool = new Float32Array(pool ? N * M : 0);
    const hAdj = new Float32Array(adj ? M * M : 0);
    const hLabels = new Float32Array(labels ? CLASSES * M : 0);
    const hNodeMask = new Float32Array(nodeMask ? M : 0);
    const hDrop = new Float32Array(drop ? H * M : 0);
    const hSel = new Float32Array(sel ? M * P : 0);
    const hPairMask = new Float32Array(pairMask ? P : 0);
    const scalar = new Float32Array(1);

    return {
      lossScale: 1,
      build(ctx, fwd, t) {
        const terms: Tensor[] = [];
        const outputs: Record<string, Tensor> = {};
        // L_NT: the session's targets are the correct nodes' reply tokens; CE is a mean over all N positions.
        if (cfg.alpha > 0) {
          const nt = c.mul(ctx, c.cross_entropy_loss(ctx, c.mul(ctx, fwd.logits, t.rowMask), t.labels), ntScale);
          outputs.nt = nt;
          terms.push(c.scale(ctx, nt, cfg.alpha));
        }
        const h = pool ? spanMeans(g, ctx, fwd.hidden, pool) : null; // [E, M]
        if (h) outputs.pooled = h;
        if (gcn && h) {
          // Â·(h W1): mul_mat(h, W1) is (hW1)ᵀ [M, H]; times the uploaded Âᵀ it is Â(hW1) as [H, M].
          const h1 = c.relu(ctx, c.add(ctx, c.mul_mat(ctx, c.mul_mat(ctx, h, gcn.w1), adj!), gcn.b1));
          const z = c.add(ctx, c.mul_mat(ctx, c.mul_mat(ctx, c.mul(ctx, h1, drop!), gcn.w2), adj!), gcn.b2); // [3, M]
          // Padding nodes: masked logits and zero label columns add nothing to the loss or any gradient.
          const node = c.mul(ctx, c.cross_entropy_loss(ctx, c.mul(ctx, z, nodeMask!), labels!), nodeScale!);
          outputs.node = node;
          outputs.nodeLogits = z;
          terms.push(c.scale(ctx, node, cfg.beta));
        }
        if (mlp && h) {
          const hid = c.relu(ctx, c.add(ctx, c.mul_mat(ctx, mlp.w1, h), mlp.b1)); // [E, M]
          const s = tanh(c, ctx, c.add(ctx, c.mul_mat(ctx, mlp.w2, hid), mlp.b2)); // [1, M]
          const d = c.mul_mat(ctx, c.reshape_2d(ctx, s, M, 1), sel!); // [1, P]: s(h+) − s(h−)
          const mr = c.mul(ctx, c.sum(ctx, c.mul(ctx, c.relu(ctx, c.scale_bias(ctx, d, -1, cfg.margin)), pairMask!)), mrScale!);
          outputs.mr = mr;
          outputs.pairMargins = d;
          terms.push(c.scale(ctx, mr, cfg.gamma));
        }
        let loss = terms[0]!;
        for (const x of terms.slice(1)) loss = c.add(ctx, loss, x);
        return { loss, outputs };
      },
      upload(mb, o) {
        const p = mb.payload;
        if (p.nodes > M || p.pairs > P)
          throw new Error(`micro-batch of ${p.nodes} nodes and ${p.pairs} pairs; the head holds ${M} and ${P}`);
        scalar[0] = p.ntTargets > 0 ? N / p.ntTargets : 0;
        put(ntScale, scalar);
        // Global node index m: graphs in order, nodes in order.
        const base: number[] = [];
        let m = 0;
        for (const gr of p.graphs) {
          base.push(m);
          m += gr.nodes.length;
        }
        if (pool) {
          hPool.fill(0);
          const T = setup.T;
          p.graphs.forEach((gr, gi) =>
            gr.nodes.forEach((_, k) => {
              const { b, seg } = p.slots[gi]![k]!;
              const row = mb.rows[b]!;
              let total = 0;
              for (let q = 0; q < T; q++) if (row.seg[q] === seg) total += row.pos[q]! + 1;
              for (let q = 0; q < T; q++) if (row.seg[q] === seg) hPool[(base[gi]! + k) * N + b * T + q] = (row.pos[q]! + 1) / total;
            }),
          );
          put(pool, hPool);
        }
        if (adj) {
          hAdj.fill(0);
          hLabels.fill(0);
          hNodeMask.fill(0);
          p.graphs.forEach((gr, gi) => {
            const n = gr.nodes.length;
            const a = gcnNormalized(n, gr.edges);
            for (let ti = 0; ti < n; ti++) {
              for (let si = 0; si < n; si++) hAdj[(base[gi]! + ti) * M + base[gi]! + si] = a[ti * n + si]!;
              hLabels[(base[gi]! + ti) * CLASSES + NODE_CLASS[gr.nodes[ti]!.label]] = 1;
              hNodeMask[base[gi]! + ti] = 1;
            }
          });
          put(adj, hAdj);
          put(labels, hLabels);
          put(nodeMask, hNodeMask);
          scalar[0] = p.nodes > 0 ? M / p.nodes : 0;
          put(nodeScale, scalar);
          const keep = 1 / (1 - cfg.gcnDropout);
          for (let i = 0; i < hDrop.length; i++)
            hDrop[i] = o.training && cfg.gcnDropout > 0 ? (dropRng.next() < cfg.gcnDropout ? 0 : keep) : 1;
          put(drop, hDrop);
        }
        if (sel) {
          hSel.fill(0);
          hPairMask.fill(0);
          let k = 0;
          p.graphs.forEach((gr, gi) => {
            for (const [pos, neg] of gr.pairs) {
              hSel[k * M + base[gi]! + pos] += 1;
              hSel[k * M + base[gi]! + neg] -= 1;
              hPairMask[k++] = 1;
            }
          });
          put(sel, hSel);
          put(pairMask, hPairMask);
          scalar[0] = p.pairs > 0 ? 1 / p.pairs : 0;
          put(mrScale, scalar);
        }
      },
      metrics(out, mb) {
        const p = mb.payload;
        const m: Record<string, number> = {};
        if (out.nt) m["nt/loss"] = out.nt[0]!;
        if (out.nodeLogits) {
          let right = 0;
          let k = 0;
          for (const gr of p.graphs) {
            for (const n of gr.nodes) {
              const z = out.nodeLogits.subarray(k * CLASSES, (k + 1) * CLASSES);
              let best = 0;
              for (let j = 1; j < CLASSES; j++) if (z[j]! > z[best]!) best = j;
              if (best === NODE_CLASS[n.label]) right++;
              k++;
            }
          }
          m["node/loss"] = out.node![0]!;
          m["node/accuracy"] = p.nodes > 0 ? right / p.nodes : 0;
        }
        if (out.pairMargins) {
          let ahead = 0;
          for (let k = 0; k < p.pairs; k++) if (out.pairMargins[k]! > 0) ahead++;
          m["mr/loss"] = out.mr![0]!;
          m["mr/accuracy"] = p.pairs > 0 ? ahead / p.pairs : 0;
        }
        return m;
      },
    };
  };
}

/**
 * Packs whole graphs, in the given order, into micro-batches of B rows of T positions (first fit into the
 * rows, or one node per row without packing). A micro-batch is one unit: the loss is a mean of means.
 */
export function packGraphs(graphs: readonly TokenGraph[], T: number, B: number, pack: boolean): MicroBatch<MagdiPayload>[] {
  const out: MicroBatch<MagdiPayload>[] = [];
  let rows: Row[] = [];
  let used: number[] = [];
  let payload: MagdiPayload = { graphs: [], slots: [], nodes: 0, pairs: 0, ntTargets: 0 };
  const flush = () => {
    if (payload.graphs.length > 0) {
      while (rows.length < B) rows.push(emptyRow(T));
      out.push({ rows, units: 1, payload });
    }
    rows = [];
    used = [];
    payload = { graphs: [], slots: [], nodes: 0, pairs: 0, ntTargets: 0 };
  };
  const fit = (lens: number[]) => fitRows(used, lens, { pack, B, T });
  graphs.forEach((gr) => {
    const lens = gr.nodes.map((n) => n.piece.tokens.length - 1);
    let at = fit(lens);
    if (!at) {
      flush();
      at = fit(lens);
      if (!at) {
        throw new UserError(
          `train: a graph of ${gr.nodes.length} nodes (${lens.reduce((a, b) => a + b, 0)} positions) does not fit one micro-batch of ${B} rows of ${T}; ` +
            `its nodes must be in one micro-batch for the GCN: raise batchSize or contextLength`,
        );
      }
    }
    const slots = gr.nodes.map((n, j) => {
      const r = at![j]!;
      while (rows.length <= r) {
        rows.push(emptyRow(T));
        used.push(0);
      }
      const before = rows[r]!.nTargets;
      const seg = placeSequence(rows[r]!, used[r]!, n.piece);
      payload.ntTargets += rows[r]!.nTargets - before;
      used[r]! += lens[j]!;
      return { b: r, seg };
    });
    payload.graphs.push(gr);
    payload.slots.push(slots);
    payload.nodes += gr.nodes.length;
    payload.pairs += gr.pairs.length;
  });
  flush();
  return out;
}

const LABELS = new Set<string>(["correct", "incorrect", "absent"]);
const ROLES = new Set(["system", "user", "assistant"]);

function validateGraphs(graphs: unknown): void {
  if (!Array.isArray(graphs) || graphs.length === 0)
    throw new UserError("train: objective magdi needs graphs (a non-empty array of interaction graphs)");
  graphs.forEach((gr: Partial<TrainGraph> | null, i) => {
    const where = `graphs[${i}]`;
    if (!gr || !Array.isArray(gr.nodes) || gr.nodes.length === 0) throw new UserError(`train: ${where}.nodes must be a non-empty array`);
    gr.nodes.forEach((n, j) => {
      if (!n || !LABELS.has(n.label as string))
        throw new UserError(`train: ${where}.nodes[${j}].label must be correct, incorrect or absent`);
      const ms = n.messages as ChatMessage[] | undefined;
      if (!Array.isArray(ms) || ms.length < 2)
        throw new UserError(`train: ${where}.nodes[${j}].messages must hold the prompt and the node's reply`);
      ms.forEach((m, k) => {
        if (!m || !ROLES.has(m.role) || typeof m.content !== "string")
          throw new UserError(`train: ${where}.nodes[${j}].messages[${k}] needs role system/user/assistant and string content`);
      });
      if (ms[ms.length - 1]!.role !== "assistant")
        throw new UserError(`train: ${where}.nodes[${j}]: the last message must be the node's reply (role assistant)`);
    });
    if (!Array.isArray(gr.edges)) throw new UserError(`train: ${where}.edges must be an array of [source, target] pairs`);
    gr.edges.forEach((e, k) => {
      const n = gr.nodes!.length;
      if (!Array.isArray(e) || e.length !== 2 || !e.every((x) => Number.isInteger(x) && x >= 0 && x < n)) {
        throw new UserError(`train: ${where}.edges[${k}] must be [source, target] node indices in 0..${n - 1}`);
      }
    });
  });
}

export function magdi(
  o: Partial<MagdiConfig> & Pick<MagdiConfig, "alpha" | "beta" | "gamma" | "margin">,
  defaults: Pick<MagdiConfig, "gcnHidden" | "gcnDropout">,
): ObjectiveRunner<MagdiPayload> {
  const cfg: MagdiConfig = { ...defaults, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as MagdiConfig;
  return {
    validate(req) {
      for (const k of ["alpha", "beta", "gamma", "margin"] as const) {
        if (!(Number.isFinite(cfg[k]) && cfg[k] >= 0))
          throw new UserError(`train: objective.${k} must be a number ≥ 0, got ${JSON.stringify(cfg[k])}`);
      }
      if (cfg.alpha + cfg.beta + cfg.gamma <= 0) throw new UserError("train: objective magdi needs at least one of alpha, beta, gamma > 0");
      if (!(Number.isInteger(cfg.gcnHidden) && cfg.gcnHidden >= 1))
        throw new UserError(`train: objective.gcnHidden must be a positive integer, got ${JSON.stringify(cfg.gcnHidden)}`);
      if (!(cfg.gcnDropout >= 0 && cfg.gcnDropout < 1))
        throw new UserError(`train: objective.gcnDropout must be in [0, 1), got ${JSON.stringify(cfg.gcnDropout)}`);
      if (req.examples !== undefined || req.sequences !== undefined || req.pairs !== undefined)
        throw new UserError("train: objective magdi trains on graphs, not examples, sequences or pairs");
      validateGraphs(req.graphs);
    },

    async plan(req, env) {
      const r = await env.renderer();
      let dropped = 0;
      const tokenized: TokenGraph[] = [];
      for (const [i, gr] of req.graphs!.entries()) {
        const labels = gr.nodes.map((n) => n.label);
        const pairs = cfg.gamma > 0 ? contrastivePairs(labels) : [];
        // The nodes some term reads: all for the GCN; else correct ones (α) and the paired ones (γ).
        const keep = gr.nodes.map(
          (n, k) => cfg.beta > 0 || (cfg.alpha > 0 && n.label === "correct") || pairs.some(([p, q]) => p === k || q === k),
        );
        const newIndex = new Map<number, number>();
        keep.forEach((k, j) => k && newIndex.set(j, newIndex.size));
        if (newIndex.size === 0) {
          dropped++;
          continue;
        }
        const nodes = gr.nodes.flatMap((n, j) => {
          if (!keep[j]) return [];
          const s = r.render({ messages: n.messages.map((m) => ({ role: m.role, content: m.content })) });
          checkVocab(s.tokens, env.nVocab, `graphs[${i}].nodes[${j}]`);
          const train = cfg.alpha > 0 && n.label === "correct";
          return [{ piece: { tokens: s.tokens, mask: train ? s.lossMask : s.lossMask.map(() => 0) }, label: n.label }];
        });
        tokenized.push({
          nodes,
          edges: gr.edges.filter(([s, t]) => newIndex.has(s) && newIndex.has(t)).map(([s, t]) => [newIndex.get(s)!, newIndex.get(t)!]),
          pairs: pairs.map(([p, q]) => [newIndex.get(p)!, newIndex.get(q)!]),
        });
      }
      if (tokenized.length === 0) throw new UserError("train: no graph has a node any of the weighted terms can learn from");
      if (dropped > 0) env.log(`${dropped} graphs have no node the weighted terms read and were skipped`);

      const longest = tokenized.reduce((m, gr) => Math.max(m, ...gr.nodes.map((n) => n.piece.tokens.length - 1)), 1);
      // A row must hold the longest node; B rows must hold the largest graph.
      const largest = tokenized.reduce(
        (m, gr) =>
          Math.max(
            m,
            gr.nodes.reduce((a, n) => a + n.piece.tokens.length - 1, 0),
          ),
        1,
      );
      const T = pickContext(Math.max(longest, Math.ceil((largest * 1.15) / env.B)), req.contextLength, env.nCtxTrain, env.warn);
      let cut = 0;
      for (const gr of tokenized) {
        for (const n of gr.nodes) {
          const c = cutPiece(n.piece, T);
          if (c !== n.piece) cut++;
          n.piece = c;
        }
      }
      if (cut > 0) env.warn(`${cut} nodes longer than ${T + 1} tokens (prompt + reply) were cut to that length`);

      const split = splitValidation(tokenized, env.valFraction, env.seed);
      const epochs = epochBatches(split.train, env, (graphs) => packGraphs(graphs, T, env.B, env.pack));
      const validation = packGraphs(split.val, T, env.B, env.pack);
      const all = [...epochs.flat(), ...validation];
      const dims = {
        M: all.reduce((m, mb) => Math.max(m, mb.payload.nodes), 1),
        P: all.reduce((m, mb) => Math.max(m, mb.payload.pairs), 1),
      };
      const count = (l: GraphNodeLabel) => split.train.reduce((a, gr) => a + gr.nodes.filter((n) => n.label === l).length, 0);
      const pairs = split.train.reduce((a, gr) => a + gr.pairs.length, 0);
      return {
        T,
        epochs,
        validation,
        head: magdiHead(cfg, dims, env.seed),
        describe:
          `${split.train.length} graphs (${count("correct")} correct, ${count("incorrect")} incorrect, ${count("absent")} absent nodes; ${pairs} pairs; ` +
          `α ${cfg.alpha} β ${cfg.beta} γ ${cfg.gamma}, margin ${cfg.margin}) in ${epochs[0]?.length ?? 0} micro-batches of ${env.B} rows of ${T}` +
          (split.val.length ? `, ${split.val.length} validation graphs` : ""),
      };
    },
  };
}
