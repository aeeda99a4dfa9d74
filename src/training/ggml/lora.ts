import { readFileSync } from "node:fs";
import { GGML_TYPE, type Backend, type BackendBuffer, type Ctx, type Ggml, type Tensor } from "./ffi/index.js";
import { openGguf } from "./gguf/read.js";
import type { ModelWeights } from "./model/weights.js";
import { Rng } from "./rng.js";
import { DEFAULT_LORA_TARGETS, LORA_TARGETS } from "../defaults.js";
import type { LoraOptions } from "../types.js";

/** The resolved LoRA options (the trainer contract's LoraOptions). */
export type LoraConfig = LoraOptions;

/** One adapted projection: y = W x + (alpha/rank) · B (A x), with A [n_in, r] and B [r, n_out] in ggml order. */
export interface LoraPair {
  base: string;
  a: Tensor;
  b: Tensor;
  nIn: number;
  nOut: number;
}

export interface LoraSet {
  config: LoraConfig;
  scale: number;
  pairs: Map<string, LoraPair>;
  ctx: Ctx;
  buf: BackendBuffer;
  free(): void;
}

export class LoraConfigError extends Error {}

/** The base weight a target adapts in layer `il` (`output` is the LM head, outside the layers). */
export function loraBaseName(target: string, il: number): string {
  return target === "output" ? "output.weight" : `blk.${il}.${target}.weight`;
}

/**
 * The projection a target adapts in this model: Phi-3 fuses Q/K/V into attn_qkv and gate+up into ffn_up, so
 * attn_q, attn_k or attn_v address attn_qkv and ffn_gate addresses ffn_up (one adapter on the fused weight, as
 * PEFT's qkv_proj / gate_up_proj and llama.cpp's converted adapters have it).
 */
export function fusedTarget(w: Pick<ModelWeights, "get">, target: string): string {
  if (w.get(loraBaseName(target, 0))) return target;
  if ((target === "attn_q" || target === "attn_k" || target === "attn_v") && w.get("blk.0.attn_qkv.weight")) return "attn_qkv";
  if (target === "ffn_gate" && w.get("blk.0.ffn_up.weight")) return "ffn_up";
  return target;
}

/**
 * The largest LoRA rank the model at `path` takes for `targets`: the narrowest side of any adapted
 * projection. Reads the GGUF header only (node-llama-cpp's reader: no native ggml load, no weights), so a
 * run can refuse a rank before it spends hours debating.
 */
export async function maxLoraRank(
  path: string,
  targets: readonly string[] = DEFAULT_LORA_TARGETS,
): Promise<{ rank: number; tensor?: string }> {
  const { readGgufFileInfo } = await import("node-llama-cpp");
  const info = await readGgufFileInfo(path, {
    logWarnings: false,
    ignoreKeys: ["tokenizer.ggml.tokens", "tokenizer.ggml.merges", "tokenizer.ggml.token_type", "tokenizer.ggml.scores"],
  });
  let best: { rank: number; tensor?: string } = { rank: Infinity };
  for (const t of info.fullTensorInfo ?? []) {
    const target = t.name === "output.weight" ? "output" : /^blk\.\d+\.(\w+)\.weight$/.exec(t.name)?.[1];
    // Phi-3's fused attn_qkv / ffn_up carry the adapters of attn_q/k/v and ffn_gate (fusedTarget).
    const wanted =
      targets.includes(target ?? "") ||
      (target === "attn_qkv" && targets.some((x) => x === "attn_q" || x === "attn_k" || x === "attn_v")) ||
      (target === "ffn_up" && targets.includes("ffn_gate"));
    if (!target || !wanted || t.dimensions.length < 2) continue;
    const [nIn, nOut] = t.dimensions.map(Number) as [number, number];
    if (Math.min(nIn, nOut) < best.rank) best = { rank: Math.min(nIn, nOut), tensor: `${t.name} (${nIn} × ${nOut})` };
  }
  return best;
}

/**
 * Creates trainable LoRA pairs for every target projection. A is drawn uniformly in ±1/√n_in (PEFT's
 * kaiming-uniform default), B starts at zero, so the adapted model equals the base at step 0.
 */
export function createLora(g: Ggml, backend: Backend, w: ModelWeights, config: LoraConfig, seed: number): LoraSet {
  const { core } = g;
  if (!Number.isInteger(config.rank) || config.rank < 1)
    throw new LoraConfigError(`LoRA rank must be a positive integer, got ${config.rank}`);
  if (!(config.alpha > 0)) throw new LoraConfigError(`LoRA alpha must be > 0, got ${config.alpha}`);
  if (!(config.dropout >= 0 && config.dropout < 1)) throw new LoraConfigError(`LoRA dropout must be in [0, 1), got ${config.dropout}`);
  if (config.targets.length === 0) throw new LoraConfigError("LoRA needs at least one target module");
  for (const t of config.targets) {
    if (!(LORA_TARGETS as readonly string[]).includes(t) && t !== "attn_qkv") {
      throw new LoraConfigError(`unknown LoRA target "${t}" (known: ${LORA_TARGETS.join(", ")}, attn_qkv)`);
    }
  }
  const bases: string[] = [];
  for (const t of config.targets) {
    if (t === "output") {
      if (!w.get("output.weight"))
        throw new LoraConfigError('LoRA target "output" needs an output.weight tensor; this model ties it to token_embd');
      bases.push("output.weight");
    } else {
      const fused = fusedTarget(w, t);
      for (let il = 0; il < w.hp.nLayer; il++) {
        const base = loraBaseName(fused, il);
        if (!bases.includes(base)) bases.push(base);
      }
    }
  }
  const ctx = core.init({ mem_size: (2 * bases.length + 4) * core.tensor_overhead(), mem_buffer: null, no_alloc: true });
  const pairs = new Map<string, LoraPair>();
  for (const base of bases) {
    w.must(base);
    const e = w.entries.get(base)!;
    const [nIn, nOut] = e.ne;
    // A rank above the projection's width adds parameters without adding expressiveness (rank(BA) ≤ min).
    if (config.rank > Math.min(nIn, nOut))
      throw new LoraConfigError(`LoRA rank ${config.rank} exceeds the width of ${base} (${nIn} × ${nOut}): at most ${Math.min(nIn, nOut)}`);
    const a = core.new_tensor_2d(ctx, GGML_TYPE.F32, nIn, config.rank);
    const b = core.new_tensor_2d(ctx, GGML_TYPE.F32, config.rank, nOut);
    core.set_name(a, `${base}.lora_a`);
    core.set_name(b, `${base}.lora_b`);
    core.set_param(a);
    core.set_param(b);
    pairs.set(base, { base, a, b, nIn, nOut });
  }
  const buf = g.backend.alloc_ctx_tensors(ctx, backend);
  if (!buf) throw new Error("could not allocate the LoRA buffer");
  g.backend.buffer_clear(buf, 0);
  const rng = new Rng(seed, "lora-init");
  for (const p of pairs.values()) {
    const n = p.nIn * config.rank;
    const bound = 1 / Math.sqrt(p.nIn);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = rng.uniform(-bound, bound);
    g.backend.tensor_set(p.a, data, 0, n * 4);
  }
  return {
    config,
    scale: config.alpha / config.rank,
    pairs,
    ctx,
    buf,
    free: () => {
      g.backend.buffer_free(buf);
      core.free(ctx);
    },
  };
}

/** A LoRA adapter read back from a GGUF (to continue training from it). */
export interface LoadedAdapter {
  arch: string;
  alpha: number;
  rank: number;
  targets: string[];
  tensors: Map<string, { ne: number[]; data: Float32Array }>;
}

export function readLoraAdapter(g: Ggml, path: string): LoadedAdapter {
  const f = openGguf(path, g);
  try {
    if (f.get("general.type") !== "adapter" || f.get("adapter.type") !== "lora") {
      throw new LoraConfigError(`${path} is not a GGUF LoRA adapter (general.type=adapter, adapter.type=lora)`);
    }
    const tensors = new Map<string, { ne: number[]; data: Float32Array }>();
    const targets = new Set<string>();
    let rank = 0;
    const buf = readFileSync(path);
    for (const e of f.tensors) {
      if (e.type !== GGML_TYPE.F32) throw new LoraConfigError(`${path}: ${e.name} is not F32; only F32 adapters can be continued`);
      const m = /^(?:blk\.\d+\.(\w+)|(output))\.weight\.lora_([ab])$/.exec(e.name);
      if (!m) throw new LoraConfigError(`${path}: unexpected tensor ${e.name}`);
      targets.add(m[1] ?? m[2]);
      if (m[3] === "b") rank = e.ne[0];
      const bytes = buf.subarray(e.offset, e.offset + e.size);
      const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      tensors.set(e.name, { ne: e.ne.slice(0, e.nDims), data });
    }
    const alpha = Number(f.get("adapter.lora.alpha") ?? 0);
    return { arch: String(f.get("general.architecture") ?? ""), alpha: alpha || rank, rank, targets: [...targets], tensors };
  } finally {
    f.close();
  }
}

/** Copies an adapter's A/B values into a LoraSet created with the same rank and targets. */
export function loadLoraValues(g: Ggml, lora: LoraSet, adapter: LoadedAdapter): void {
  for (const p of lora.pairs.values()) {
    for (const [suffix, t] of [
      ["lora_a", p.a],
      ["lora_b", p.b],
    ] as const) {
      const v = adapter.tensors.get(`${p.base}.${suffix}`);
      if (!v) throw new LoraConfigError(`adapter has no ${p.base}.${suffix}`);
      const want = suffix === "lora_a" ? p.nIn * lora.config.rank : lora.config.rank * p.nOut;
      if (v.data.length !== want) throw new LoraConfigError(`adapter tensor ${p.base}.${suffix} has the wrong shape for this base model`);
      g.backend.tensor_set(t, v.data, 0, want * 4);
    }
  }
}

/** A LoraSet holding an adapter file's values (its rank, alpha and targets win over `cfg`'s). */
export function openLoraAdapter(
  g: Ggml,
  backend: Backend,
  w: ModelWeights,
  path: string,
  cfg: LoraConfig,
  seed: number,
): { lora: LoraSet; adapter: LoadedAdapter } {
  const adapter = readLoraAdapter(g, path);
  if (adapter.arch !== w.hp.arch)
    throw new LoraConfigError(`adapter architecture ${adapter.arch} does not match the base model's ${w.hp.arch}`);
  const lora = createLora(g, backend, w, { ...cfg, rank: adapter.rank, alpha: adapter.alpha, targets: adapter.targets }, seed);
  try {
    loadLoraValues(g, lora, adapter);
  } catch (e) {
    lora.free();
    throw e;
  }
  return { lora, adapter };
}
