import {
  computeGraph,
  GGML_TYPE,
  tensorInfo,
  type BackendBuffer,
  type ComputeBackends,
  type Ctx,
  type Ggml,
  type Graph,
  type Sched,
  type Tensor,
} from "./ffi/index.js";
import type { LoraSet } from "./lora.js";
import { buildLlamaGraph, dropoutSite, type DropoutInputs, type GraphInputs } from "./model/graph.js";
import type { ModelWeights } from "./model/weights.js";
import type { Row } from "./data/rows.js";
import type { EvalSession, HeadSetup, LossHead, MicroBatch, Targets } from "./objectives/objective.js";
import { sftHead } from "./objectives/sft.js";
import { Rng } from "./rng.js";

export interface SessionOptions {
  /** Positions per row. */
  T: number;
  /** Rows per micro-batch. */
  B: number;
  /** Clip the global gradient norm to this value before each optimizer step (0: no clipping). */
  maxGradNorm: number;
  /** LoRA dropout probability (LoRA mode only) and the seed of its masks. */
  dropout?: { p: number; seed: number };
  /**
   * Build the training graphs up front (so the first step does not pay for it): the fused backward+AdamW
   * graph when every optimizer step is one micro-batch, else the accumulate and optimizer graphs.
   */
  prepare?: "fused" | "accumulate";
  /** The loss head (objectives/); default SFT's masked cross-entropy. */
  head?: (setup: HeadSetup) => LossHead<any>;
}

export interface AdamWStep {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1-based optimizer step (bias correction). */
  t: number;
}

/** One trainable tensor with its gradient accumulator and AdamW moments. */
export interface Param {
  name: string;
  tensor: Tensor;
  acc: Tensor;
  m: Tensor;
  v: Tensor;
  numel: number;
  /** 1-D tensors (norm gains, biases) get no weight decay. */
  decay: boolean;
}

const DROPOUT_POOL_ROWS = 1024;
/** Tensors a head may declare (inputs, and its own parameters). */
const HEAD_TENSORS = 64;

/** A compiled graph with the tensors read back after a run. */
interface Compiled {
  graph: Graph;
  sched: Sched;
  loss: Tensor;
  outputs: Record<string, Tensor>;
}

/**
 * The compiled training program for one batch shape: a forward+backward graph that adds gradients into
 * persistent accumulators, an optimizer graph (global-norm clipping + AdamW) — or both fused in one graph
 * when an optimizer step is a single micro-batch — and a forward-only graph for evaluation. Each is built
 * and scheduled once (lazily unless `prepare` says otherwise); a step only uploads inputs and runs a graph.
 */
export class TrainSession implements EvalSession {
  readonly N: number;
  readonly V: number;
  readonly params: Param[];
  readonly head: LossHead<any>;
  private readonly ctxs: Ctx[] = [];
  private readonly bufs: BackendBuffer[] = [];
  private readonly scheds: Sched[] = [];
  private readonly inp: GraphInputs;
  private readonly targets: Targets;
  private readonly seed: Tensor;
  private readonly adamw: Tensor;
  private readonly adamwNoDecay: Tensor;
  private readonly maxNorm: Tensor;
  private readonly accBuf: BackendBuffer | null;
  private train: Compiled | undefined;
  private opt: { graph: Graph; sched: Sched; norm: Tensor | null } | undefined;
  private fused: (Compiled & { norm: Tensor | null }) | undefined;
  private evalG: (Compiled & { logits: Tensor }) | undefined;
  /** The graph run last, whose outputs outputs() reads. */
  private last: Compiled | undefined;
  private readonly dropout: (DropoutInputs & { rng: Rng }) | undefined;
  // host staging, reused every step
  private readonly hTokens: Int32Array;
  private readonly hPos: Int32Array;
  private readonly hMask: Float32Array;
  private readonly hRowMask: Float32Array;
  private readonly labelAt: Int32Array;
  private readonly one = new Float32Array([1]);
  private readonly zero = new Float32Array([0]);
  private readonly scalar = new Float32Array(1);
  private readonly graphSize: number;

  constructor(
    private readonly g: Ggml,
    private readonly be: ComputeBackends,
    private readonly w: ModelWeights,
    private readonly lora: LoraSet | null,
    private readonly opts: SessionOptions,
  ) {
    const { core, backend } = g;
    const { T, B } = opts;
    this.N = T * B;
    this.V = w.hp.nVocab;
    const nLora = lora ? lora.pairs.size : 0;
    this.graphSize = Math.max(8192, 2048 + w.hp.nLayer * (1024 + 64 * nLora));

    // Trainable tensors: the LoRA pairs, or every weight the loader made trainable.
    const trainables: { name: string; t: Tensor }[] = lora
      ? [...lora.pairs.values()].flatMap((p) => [
          { name: `${p.base}.lora_a`, t: p.a },
          { name: `${p.base}.lora_b`, t: p.b },
        ])
      : [...w.trainable].map((name) => ({ name, t: w.must(name) }));

    // Inputs and optimizer scalars (persistent, so the allocator never reuses them).
    const ctxIn = this.newCtx(32 + 2 * 64);
    const N = this.N;
    this.inp = {
      tokens: core.new_tensor_1d(ctxIn, GGML_TYPE.I32, N),
      pos: core.new_tensor_1d(ctxIn, GGML_TYPE.I32, N),
      kqMask: core.new_tensor_4d(ctxIn, GGML_TYPE.F32, T, T, 1, B),
    };
    this.targets = {
      rowMask: core.new_tensor_2d(ctxIn, GGML_TYPE.F32, 1, N),
      labels: core.new_tensor_2d(ctxIn, GGML_TYPE.F32, this.V, N),
    };
    for (const [k, t] of Object.entries({ ...this.inp, ...this.targets })) core.set_name(t, `in_${k}`);

    // The loss head's own inputs and parameters, in their own contexts (allocated only if it declares any).
    const ctxHeadIn = this.newCtx(HEAD_TENSORS);
    const ctxHeadParams = this.newCtx(HEAD_TENSORS);
    const headInits: { t: Tensor; init: Float32Array }[] = [];
    const newTensor = (ctx: Ctx, name: string, type: number, ne: number[]) => {
      const [n0, n1 = 1, n2 = 1, n3 = 1] = ne;
      const t = core.new_tensor_4d(ctx, type, n0, n1, n2, n3);
      core.set_name(t, name.slice(0, 63));
      return t;
    };
    let headInputs = 0;
    this.head = (opts.head ?? sftHead)({
      g,
      T,
      B,
      N,
      V: this.V,
      nEmbd: w.hp.nEmbd,
      input: (name, type, ne) => {
        headInputs++;
        return newTensor(ctxHeadIn, `head_in_${name}`, type, ne);
      },
      param: (name, ne, init) => {
        const t = newTensor(ctxHeadParams, `head.${name}`, GGML_TYPE.F32, ne);
        core.set_param(t); // a graph node, so the backward pass gives it a gradient
        if (init.length !== ne.reduce((a, b) => a * b, 1))
          throw new Error(`head parameter ${name}: init has ${init.length} values for shape [${ne}]`);
        headInits.push({ t, init });
        trainables.push({ name: `head.${name}`, t });
        return t;
      },
    });
    this.seed = core.new_tensor_1d(ctxIn, GGML_TYPE.F32, 1);
    this.adamw = core.new_tensor_1d(ctxIn, GGML_TYPE.F32, 7);
    this.adamwNoDecay = core.new_tensor_1d(ctxIn, GGML_TYPE.F32, 7);
    this.maxNorm = core.new_tensor_1d(ctxIn, GGML_TYPE.F32, 1);
    let dropout: (DropoutInputs & { rng: Rng }) | undefined;
    if (lora && opts.dropout && opts.dropout.p > 0) {
      dropout = { pools: new Map(), idx: new Map(), rng: new Rng(opts.dropout.seed, "lora-dropout") };
      for (const p of lora.pairs.values()) {
        if (!dropout.pools.has(p.nIn)) dropout.pools.set(p.nIn, core.new_tensor_2d(ctxIn, GGML_TYPE.F32, p.nIn, DROPOUT_POOL_ROWS));
        const site = dropoutSite(p.base);
        if (!dropout.idx.has(site)) dropout.idx.set(site, core.new_tensor_1d(ctxIn, GGML_TYPE.I32, N));
      }
    }
    this.dropout = dropout;
    const bufIn = this.alloc(ctxIn);
    backend.buffer_clear(bufIn, 0);
    if (headInputs > 0) backend.buffer_clear(this.alloc(ctxHeadIn), 0);
    if (headInits.length > 0) {
      this.alloc(ctxHeadParams);
      for (const { t, init } of headInits) backend.tensor_set(t, init, 0, init.length * 4);
    }
    backend.tensor_set(this.maxNorm, new Float32Array([opts.maxGradNorm > 0 ? opts.maxGradNorm : 1]), 0, 4);
    if (dropout) this.fillDropoutPools(dropout, opts.dropout!.p);

    // Gradient accumulators and AdamW moments (none for an evaluation-only session).
    const ctxAcc = this.newCtx(trainables.length + 4);
    const ctxMom = this.newCtx(2 * trainables.length + 4);
    this.params = trainables.map(({ name, t }) => {
      const info = tensorInfo(t);
      const [n0, n1, n2, n3] = info.ne;
      const mk = (ctx: Ctx, suffix: string) => {
        const x = core.new_tensor_4d(ctx, GGML_TYPE.F32, n0, n1, n2, n3);
        core.set_name(x, `${name.slice(0, 50)}.${suffix}`);
        return x;
      };
      return {
        name,
        tensor: t,
        acc: mk(ctxAcc, "grad"),
        m: mk(ctxMom, "m"),
        v: mk(ctxMom, "v"),
        numel: n0 * n1 * n2 * n3,
        decay: n1 * n2 * n3 > 1,
      };
    });
    this.accBuf = trainables.length > 0 ? this.alloc(ctxAcc) : null;
    if (this.accBuf) {
      backend.buffer_clear(this.accBuf, 0);
      backend.buffer_clear(this.alloc(ctxMom), 0);
    }

    this.hTokens = new Int32Array(N);
    this.hPos = new Int32Array(N);
    this.hMask = new Float32Array(T * T * B);
    this.hRowMask = new Float32Array(N);
    this.labelAt = new Int32Array(N).fill(-1);

    if (opts.prepare === "fused") this.fused = this.buildTrainGraph(true);
    if (opts.prepare === "accumulate") {
      this.train = this.buildTrainGraph(false);
      this.opt = this.buildOptGraph();
    }
  }

  private newCtx(nTensors: number): Ctx {
    const c = this.g.core.init({ mem_size: nTensors * this.g.core.tensor_overhead() + 1024, mem_buffer: null, no_alloc: true });
    this.ctxs.push(c);
    return c;
  }

  private newGraphCtx(): Ctx {
    const { core } = this.g;
    const c = core.init({
      mem_size: 4 * this.graphSize * core.tensor_overhead() + 2 * core.graph_overhead_custom(this.graphSize, true),
      mem_buffer: null,
      no_alloc: true,
    });
    this.ctxs.push(c);
    return c;
  }

  private alloc(ctx: Ctx): BackendBuffer {
    const b = this.g.backend.alloc_ctx_tensors(ctx, this.be.main);
    if (!b) throw new Error("could not allocate a ggml buffer");
    this.bufs.push(b);
    return b;
  }

  private newSched(graph: Graph): Sched {
    const be = this.be;
    const backends = be.isGpu ? [be.main, be.cpu] : [be.cpu];
    const s = this.g.backend.sched_new(backends, null, backends.length, this.graphSize, false, false);
    this.scheds.push(s);
    if (!this.g.backend.sched_alloc_graph(s, graph)) throw new Error("could not allocate the compute graph");
    return s;
  }

  /**
   * Forward + backward graph; with `withOptimizer`, the optimizer step is appended to the same graph (one run
   * per optimizer step when there is no gradient accumulation, as ggml-opt does).
   */
  private buildTrainGraph(withOptimizer: boolean) {
    const { core } = this.g;
    if (this.params.length === 0) throw new Error("nothing to train");
    const ctx = this.newGraphCtx();
    const fwd = buildLlamaGraph(this.g, ctx, this.w, this.lora, this.inp, this.opts, { forBackward: true, dropout: this.dropout });
    const built = this.head.build(ctx, fwd, this.targets, { forBackward: true });
    core.set_name(built.loss, "loss");
    core.set_output(built.loss);
    core.set_loss(built.loss);
    for (const t of Object.values(built.outputs)) core.set_output(t);
    const graph = core.new_graph_custom(ctx, this.graphSize, true);
    core.build_forward_expand(graph, built.loss);
    for (const t of Object.values(built.outputs)) core.build_forward_expand(graph, t);
    // Accumulators by forward-node index: our persistent per-parameter tensors, and for the loss the seed,
    // which scales every gradient (we set it to N / targets-in-the-optimizer-step).
    const accOf = new Map<bigint, Tensor>(this.params.map((p) => [p.tensor as bigint, p.acc]));
    const n = core.graph_n_nodes(graph);
    const accs: (Tensor | null)[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const node = core.graph_node(graph, i);
      accs[i] = node === built.loss ? this.seed : (accOf.get(node) ?? null);
    }
    core.build_backward_expand(ctx, graph, accs);
    // In the fused graph the optimizer must read each gradient after its last accumulation: use the final
    // gradient node (a view of the accumulator), not the accumulator leaf, so the graph orders them.
    const norm = withOptimizer ? this.appendOptimizer(ctx, graph, (p) => core.graph_get_grad(graph, p.tensor) ?? p.acc) : null;
    return { graph, sched: this.newSched(graph), loss: built.loss, outputs: built.outputs, norm };
  }

  private buildOptGraph() {
    if (this.params.length === 0) throw new Error("nothing to train");
    const ctx = this.newGraphCtx();
    const graph = this.g.core.new_graph_custom(ctx, this.graphSize, false);
    const norm = this.appendOptimizer(ctx, graph, (p) => p.acc);
    return { graph, sched: this.newSched(graph), norm };
  }

  /** Global-norm clipping (optional) and one AdamW update per parameter; returns the gradient-norm node. */
  private appendOptimizer(ctx: Ctx, graph: Graph, gradOf: (p: Param) => Tensor): Tensor | null {
    const { core } = this.g;
    const grads = this.params.map(gradOf);
    let scale: Tensor | null = null;
    let norm: Tensor | null = null;
    if (this.opts.maxGradNorm > 0) {
      let total: Tensor | null = null;
      this.params.forEach((p, i) => {
        // ‖g‖² as a dot product (a 1×1 mul_mat): one read of the gradient, no temporary copy.
        const flat = core.reshape_2d(ctx, grads[i], p.numel, 1);
        const s = core.mul_mat(ctx, flat, flat);
        total = total ? core.add(ctx, total, s) : s;
      });
      norm = core.sqrt(ctx, total!);
      core.set_name(norm, "grad_norm");
      core.set_output(norm);
      // scale = maxNorm / max(norm, maxNorm) ≤ 1
      scale = core.div(ctx, this.maxNorm, core.clamp(ctx, norm, this.opts.maxGradNorm, 3.0e38));
    }
    this.params.forEach((p, i) => {
      // Clipping scales the accumulated gradient in place (it is zeroed after the step anyway).
      const grad = scale ? core.mul_inplace(ctx, grads[i], scale) : grads[i];
      core.build_forward_expand(graph, core.opt_step_adamw(ctx, p.tensor, grad, p.m, p.v, p.decay ? this.adamw : this.adamwNoDecay));
    });
    return norm;
  }

  private buildEvalGraph() {
    const { core } = this.g;
    const ctx = this.newGraphCtx();
    const fwd = buildLlamaGraph(this.g, ctx, this.w, this.lora, this.inp, this.opts, { forBackward: false });
    const built = this.head.build(ctx, fwd, this.targets, { forBackward: false });
    core.set_output(built.loss);
    core.set_output(fwd.logits);
    for (const t of Object.values(built.outputs)) core.set_output(t);
    const graph = core.new_graph_custom(ctx, this.graphSize, false);
    core.build_forward_expand(graph, built.loss);
    core.build_forward_expand(graph, fwd.logits);
    for (const t of Object.values(built.outputs)) core.build_forward_expand(graph, t);
    return { graph, sched: this.newSched(graph), loss: built.loss, outputs: built.outputs, logits: fwd.logits };
  }

  private fillDropoutPools(d: DropoutInputs & { rng: Rng }, p: number): void {
    const keep = 1 / (1 - p);
    for (const [width, t] of d.pools) {
      const data = new Float32Array(width * DROPOUT_POOL_ROWS);
      for (let i = 0; i < data.length; i++) data[i] = d.rng.next() < p ? 0 : keep;
      this.g.backend.tensor_set(t, data, 0, data.length * 4);
    }
  }

  /** Uploads a micro-batch (exactly B rows of T positions); returns its number of targets. */
  setBatch(rows: Row[], withDropout = false): number {
    const { T, B } = this.opts;
    if (rows.length !== B) throw new Error(`expected ${B} rows, got ${rows.length}`);
    const { backend } = this.g;
    const V = this.V;
    let targets = 0;
    this.hMask.fill(-Infinity);
    for (let b = 0; b < B; b++) {
      const r = rows[b];
      if (r.tokens.length !== T) throw new Error(`row of ${r.tokens.length} positions, expected ${T}`);
      this.hTokens.set(r.tokens, b * T);
      this.hPos.set(r.pos, b * T);
      for (let q = 0; q < T; q++) {
        const base = (b * T + q) * T;
        const s = r.seg[q];
        if (s < 0) {
          this.hMask[base + q] = 0; // padding attends to itself only (keeps softmax finite)
        } else {
          for (let k = q; k >= 0 && r.seg[k] === s; k--) this.hMask[base + k] = 0;
        }
        const i = b * T + q;
        const tgt = r.loss[q] ? r.target[q] : -1;
        if (tgt >= V) throw new Error(`target token ${tgt} outside the vocabulary (${V})`);
        const at = tgt >= 0 ? i * V + tgt : -1;
        this.hRowMask[i] = tgt >= 0 ? 1 : 0;
        if (tgt >= 0) targets++;
        if (this.labelAt[i] !== at) {
          // one-hot labels are updated in place: clear the old 1, write the new one
          if (this.labelAt[i] >= 0) backend.tensor_set(this.targets.labels, this.zero, this.labelAt[i] * 4, 4);
          if (at >= 0) backend.tensor_set(this.targets.labels, this.one, at * 4, 4);
          this.labelAt[i] = at;
        }
      }
      for (let q = 0; q < T; q++) {
        if (r.tokens[q] < 0 || r.tokens[q] >= V) throw new Error(`token ${r.tokens[q]} outside the vocabulary (${V})`);
      }
    }
    const N = this.N;
    backend.tensor_set(this.inp.tokens, this.hTokens, 0, N * 4);
    backend.tensor_set(this.inp.pos, this.hPos, 0, N * 4);
    backend.tensor_set(this.inp.kqMask, this.hMask, 0, this.hMask.length * 4);
    backend.tensor_set(this.targets.rowMask, this.hRowMask, 0, N * 4);
    if (this.dropout) {
      const idx = new Int32Array(N);
      for (const t of this.dropout.idx.values()) {
        if (withDropout) for (let i = 0; i < N; i++) idx[i] = this.dropout.rng.int(DROPOUT_POOL_ROWS);
        backend.tensor_set(t, idx, 0, N * 4);
      }
    }
    return targets;
  }

  /** Uploads a micro-batch: its rows and targets, and the head's inputs. Returns its number of targets. */
  setMicroBatch(mb: MicroBatch, withDropout = false): number {
    const targets = this.setBatch(mb.rows, withDropout);
    this.head.upload(mb, { training: withDropout });
    return targets;
  }

  /**
   * Forward + backward on the uploaded batch. The accumulators receive gradScale · ∂L/∂θ with L the head's
   * loss tensor (SFT: Σ over trained targets of cross-entropy, divided by N); pass lossScale / (units in the
   * optimizer step) — SFT: N / targets — for the gradient of the per-unit mean. Returns the batch's Σ unit losses.
   */
  async accumulate(gradScale: number): Promise<number> {
    this.setSeed(gradScale);
    this.train ??= this.buildTrainGraph(false);
    await this.run(this.train);
    return this.readScalar(this.train.loss) * this.head.lossScale;
  }

  /** Applies one AdamW step with the accumulated gradients, then zeroes them. Returns the pre-clip gradient norm. */
  async step(s: AdamWStep): Promise<number | undefined> {
    this.setAdamW(s);
    this.opt ??= this.buildOptGraph();
    await computeGraph(this.g, this.opt.sched, this.opt.graph);
    const norm = this.opt.norm ? this.readScalar(this.opt.norm) : undefined;
    this.zeroGrad();
    return norm;
  }

  /**
   * accumulate() + step() in one graph run, for optimizer steps made of a single micro-batch (on top of any
   * gradients already accumulated). Returns the batch's Σ cross-entropy and the pre-clip gradient norm.
   */
  async accumulateAndStep(gradScale: number, s: AdamWStep): Promise<{ lossSum: number; gradNorm?: number }> {
    this.setSeed(gradScale);
    this.setAdamW(s);
    this.fused ??= this.buildTrainGraph(true);
    await this.run(this.fused);
    const lossSum = this.readScalar(this.fused.loss) * this.head.lossScale;
    const gradNorm = this.fused.norm ? this.readScalar(this.fused.norm) : undefined;
    this.zeroGrad();
    return { lossSum, gradNorm };
  }

  private setSeed(gradScale: number): void {
    this.scalar[0] = gradScale;
    this.g.backend.tensor_set(this.seed, this.scalar, 0, 4);
  }

  private setAdamW(s: AdamWStep): void {
    const b1h = 1 / (1 - Math.pow(s.beta1, s.t));
    const b2h = 1 / (1 - Math.pow(s.beta2, s.t));
    const { backend } = this.g;
    backend.tensor_set(this.adamw, new Float32Array([s.lr, s.beta1, s.beta2, s.eps, s.weightDecay, b1h, b2h]), 0, 28);
    backend.tensor_set(this.adamwNoDecay, new Float32Array([s.lr, s.beta1, s.beta2, s.eps, 0, b1h, b2h]), 0, 28);
  }

  zeroGrad(): void {
    if (this.accBuf) this.g.backend.buffer_clear(this.accBuf, 0);
  }

  private async run(c: Compiled): Promise<void> {
    await computeGraph(this.g, c.sched, c.graph);
    this.last = c;
  }

  /** Forward only on the uploaded batch: its Σ unit losses (SFT: Σ_targets CE). */
  async evalLoss(): Promise<number> {
    this.evalG ??= this.buildEvalGraph();
    await this.run(this.evalG);
    return this.readScalar(this.evalG.loss) * this.head.lossScale;
  }

  /** Forward only; the head's outputs. */
  async evalOutputs(): Promise<Record<string, Float32Array>> {
    await this.evalLoss();
    return this.outputs();
  }

  /** The head's outputs of the graph run last (train, fused or eval). */
  outputs(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const [k, t] of Object.entries(this.last?.outputs ?? {})) out[k] = this.read(t, this.g.core.nelements(t));
    return out;
  }

  /** Forward only; logits of every position, [N][V] row-major (position t of row b at t + T·b). */
  async logits(): Promise<Float32Array> {
    this.evalG ??= this.buildEvalGraph();
    await this.run(this.evalG);
    const out = new Float32Array(this.N * this.V);
    this.g.backend.tensor_get(this.evalG.logits, out, 0, out.length * 4);
    return out;
  }

  private readScalar(t: Tensor): number {
    this.g.backend.tensor_get(t, this.scalar, 0, 4);
    return this.scalar[0];
  }

  param(name: string): Param {
    const p = this.params.find((x) => x.name === name);
    if (!p) throw new Error(`no trainable tensor ${name}`);
    return p;
  }

  read(t: Tensor, numel: number): Float32Array {
    const out = new Float32Array(numel);
    this.g.backend.tensor_get(t, out, 0, numel * 4);
    return out;
  }

  write(t: Tensor, data: Float32Array): void {
    this.g.backend.tensor_set(t, data, 0, data.length * 4);
  }

  /** Copies of every trainable tensor (to restore the best validation checkpoint). */
  snapshot(): Float32Array[] {
    return this.params.map((p) => this.read(p.tensor, p.numel));
  }

  restore(snap: Float32Array[]): void {
    this.params.forEach((p, i) => this.write(p.tensor, snap[i]));
  }

  free(): void {
    const { backend, core } = this.g;
    for (const s of this.scheds) backend.sched_free(s);
    for (const b of this.bufs) backend.buffer_free(b);
    for (const c of this.ctxs) core.free(c);
    this.scheds.length = 0;
    this.bufs.length = 0;
    this.ctxs.length = 0;
  }
}
