import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSafetensorsMetadata } from "@huggingface/hub";
import { getLlama, type LlamaModel, type Token } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { trainGgml } from "../../../src/training/ggml/index.js";
import { loadGgml } from "../../../src/training/ggml/ffi/index.js";
import { readLoraAdapter } from "../../../src/training/ggml/lora.js";
import { mergeLora } from "../../../src/training/ggml/merge.js";
import { exportPeft } from "../../../src/training/ggml/peft/export.js";
import { importPeft } from "../../../src/training/ggml/peft/import.js";
import { writeSafetensors } from "../../../src/formats/safetensors.js";
import { Rng } from "../../../src/training/ggml/rng.js";
import { serveFolderAsHub } from "../../support/hub-file-server.js";
import { writeTinyModel } from "../fixtures/tiny-model.js";

const dir = mkdtempSync(join(tmpdir(), "society-peft-"));
const ALL = ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down", "output"];
const SHAPE = { nLayer: 2, nEmbd: 64, nHead: 4, nHeadKv: 2, nFf: 96, seed: 5 };
const sha = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex");
const models: Record<string, { base: string; adapter: string }> = {};

/** A short LoRA training run on random tokens, so every A and B is non-zero. */
async function trainedAdapter(base: string, out: string): Promise<string> {
  const rng = new Rng(9, "peft-data");
  const sequences = Array.from({ length: 8 }, () => {
    const tokens = Array.from({ length: 24 }, () => 3 + rng.int(256));
    return { tokens, lossMask: tokens.map((_, i) => (i === 0 ? 0 : 1)) };
  });
  await trainGgml({
    baseModelPath: base,
    sequences,
    mode: "lora",
    outPath: out,
    seed: 3,
    threads: 1,
    lora: { rank: 4, alpha: 8, targets: ALL },
    optim: { lr: 2e-2, maxSteps: 4, batchSize: 2 },
  });
  return out;
}

beforeAll(async () => {
  for (const arch of ["llama", "qwen2"] as const) {
    const base = join(dir, `${arch}.gguf`);
    await writeTinyModel(base, { ...SHAPE, arch });
    models[arch] = { base, adapter: await trainedAdapter(base, join(dir, `${arch}-lora.gguf`)) };
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** transformers → GGUF row order of one Q/K weight, written from numpy's semantics of convert_hf_to_gguf.py's
 * `w.reshape(n_head, 2, rows // n_head // 2, cols).swapaxes(1, 2).reshape(rows, cols)`. */
function hfToGgufRows(m: Float32Array, rows: number, cols: number, nHead: number): Float32Array {
  const half = rows / nHead / 2;
  const out = new Float32Array(m.length);
  // After swapaxes, element [h, i, s, c] of the result is element [h, s, i, c] of the input.
  for (let h = 0; h < nHead; h++)
    for (let i = 0; i < half; i++)
      for (let s = 0; s < 2; s++) {
        const dst = ((h * half + i) * 2 + s) * cols;
        const src = ((h * 2 + s) * half + i) * cols;
        out.set(m.subarray(src, src + cols), dst);
      }
  return out;
}

/** Row-major product [n, k] × [k, m]. */
function matmul(a: Float32Array, b: Float32Array, n: number, k: number, m: number): Float32Array {
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++)
    for (let t = 0; t < k; t++) {
      const x = a[i * k + t]!;
      for (let j = 0; j < m; j++) out[i * m + j] += x * b[t * m + j]!;
    }
  return out;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
};

describe("PEFT export", () => {
  it.each(["llama", "qwen2"])("%s: GGUF → PEFT → GGUF gives back the same file", async (arch) => {
    const { base, adapter } = models[arch]!;
    const out = join(dir, `${arch}-peft`);
    const res = exportPeft({ adapterPath: adapter, basePath: base, outDir: out });
    expect(res.tensors).toBe(2 * (7 * SHAPE.nLayer + 1));
    const back = await importPeft({ peftDir: out, basePath: base, outPath: join(dir, `${arch}-back.gguf`) });
    expect(back.notes).toEqual([]);
    expect(back.sha256).toBe(sha(adapter));
  });

  it("writes a header @huggingface/hub's safetensors reader accepts, with PEFT's names and shapes", async () => {
    const out = join(dir, "llama-peft-hub");
    exportPeft({ adapterPath: models.llama!.adapter, basePath: models.llama!.base, outDir: out, baseModelId: "org/tiny-llama" });
    const hub = await serveFolderAsHub(out);
    try {
      const parsed = await parseSafetensorsMetadata({
        repo: hub.repo,
        path: "adapter_model.safetensors",
        hubUrl: hub.url,
        computeParametersCount: true,
      });
      expect(parsed.sharded).toBe(false);
      if (parsed.sharded) return;
      const { __metadata__, ...tensors } = parsed.header;
      expect(__metadata__?.format).toBe("pt");
      const kv = (SHAPE.nEmbd / SHAPE.nHead) * SHAPE.nHeadKv;
      const dims: Record<string, [number, number]> = {
        "self_attn.q_proj": [SHAPE.nEmbd, SHAPE.nEmbd],
        "self_attn.k_proj": [SHAPE.nEmbd, kv],
        "self_attn.v_proj": [SHAPE.nEmbd, kv],
        "self_attn.o_proj": [SHAPE.nEmbd, SHAPE.nEmbd],
        "mlp.gate_proj": [SHAPE.nEmbd, SHAPE.nFf],
        "mlp.up_proj": [SHAPE.nEmbd, SHAPE.nFf],
        "mlp.down_proj": [SHAPE.nFf, SHAPE.nEmbd],
      };
      const want: Record<string, number[]> = {};
      for (let l = 0; l < SHAPE.nLayer; l++)
        for (const [m, [i, o]] of Object.entries(dims)) {
          want[`base_model.model.model.layers.${l}.${m}.lora_A.weight`] = [4, i];
          want[`base_model.model.model.layers.${l}.${m}.lora_B.weight`] = [o, 4];
        }
      want["base_model.model.lm_head.lora_A.weight"] = [4, SHAPE.nEmbd];
      want["base_model.model.lm_head.lora_B.weight"] = [260, 4];
      expect(Object.fromEntries(Object.entries(tensors).map(([k, v]) => [k, v.shape]))).toEqual(want);
      expect(new Set(Object.values(tensors).map((t) => t.dtype))).toEqual(new Set(["F32"]));
      expect(parsed.parameterCount.F32).toBe(Object.values(want).reduce((s, [a, b]) => s + a! * b!, 0));
    } finally {
      await hub.close();
    }
    const cfg = JSON.parse(readFileSync(join(out, "adapter_config.json"), "utf8"));
    expect(cfg).toMatchObject({
      peft_type: "LORA",
      task_type: "CAUSAL_LM",
      r: 4,
      lora_alpha: 8,
      bias: "none",
      base_model_name_or_path: "org/tiny-llama",
      use_rslora: false,
    });
    expect([...cfg.target_modules].sort()).toEqual([
      "down_proj",
      "gate_proj",
      "k_proj",
      "lm_head",
      "o_proj",
      "q_proj",
      "up_proj",
      "v_proj",
    ]);
  });

  it("llama: the PEFT delta in transformers' layout is the GGUF delta before convert_hf_to_gguf's Q/K permutation", () => {
    const out = join(dir, "llama-peft-perm");
    exportPeft({ adapterPath: models.llama!.adapter, basePath: models.llama!.base, outDir: out });
    const file = readFileSync(join(out, "adapter_model.safetensors"));
    const n = Number(file.readBigUInt64LE(0));
    const header = JSON.parse(file.subarray(8, 8 + n).toString());
    const tensor = (key: string) => {
      const [b, e] = header[key].data_offsets;
      return new Float32Array(file.buffer.slice(file.byteOffset + 8 + n + b, file.byteOffset + 8 + n + e));
    };
    const g = loadGgml();
    const gguf = readLoraAdapter(g, models.llama!.adapter).tensors;
    const hd = SHAPE.nEmbd / SHAPE.nHead;
    for (const [proj, heads] of [
      ["q", SHAPE.nHead],
      ["k", SHAPE.nHeadKv],
      ["v", 0],
    ] as const) {
      const rows = heads ? heads * hd : SHAPE.nHeadKv * hd;
      const a = tensor(`base_model.model.model.layers.1.self_attn.${proj}_proj.lora_A.weight`);
      const b = tensor(`base_model.model.model.layers.1.self_attn.${proj}_proj.lora_B.weight`);
      const hfDelta = matmul(b, a, rows, 4, SHAPE.nEmbd);
      const ga = gguf.get(`blk.1.attn_${proj}.weight.lora_a`)!.data;
      const gb = gguf.get(`blk.1.attn_${proj}.weight.lora_b`)!.data;
      const ggufDelta = matmul(gb, ga, rows, 4, SHAPE.nEmbd);
      const converted = heads ? hfToGgufRows(hfDelta, rows, SHAPE.nEmbd, heads) : hfDelta;
      expect(maxAbsDiff(converted, ggufDelta)).toBeLessThan(1e-7);
      if (heads) expect(maxAbsDiff(hfDelta, ggufDelta)).toBeGreaterThan(1e-4); // the permutation is not a no-op
    }
  });
});

describe("PEFT import of an adapter trained elsewhere", () => {
  /** A PEFT folder as Python would save it: keys sorted, B in transformers' row order, given dtype. */
  function writePeft(out: string, config: object, tensors: Record<string, { shape: [number, number]; data: Float32Array; f16?: boolean }>) {
    mkdirSync(out, { recursive: true });
    const g = loadGgml();
    writeSafetensors(join(out, "adapter_model.safetensors"), {
      metadata: { format: "pt" },
      tensors: Object.keys(tensors)
        .sort()
        .map((name) => {
          const t = tensors[name]!;
          if (!t.f16) return { name, dtype: "F32" as const, shape: t.shape, bytes: new Uint8Array(t.data.buffer) };
          const h = new Uint16Array(t.data.length);
          g.core.fp32_to_fp16_row(t.data, h, t.data.length);
          return { name, dtype: "F16" as const, shape: t.shape, bytes: new Uint8Array(h.buffer) };
        }),
    });
    writeFileSync(join(out, "adapter_config.json"), JSON.stringify({ peft_type: "LORA", task_type: "CAUSAL_LM", bias: "none", ...config }));
  }
  const rng = new Rng(4, "foreign");
  const rand = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-0.5, 0.5));
  const hd = SHAPE.nEmbd / SHAPE.nHead;
  const kvRows = SHAPE.nHeadKv * hd;

  it("keeps PEFT's per-module scales (rsLoRA, alpha_pattern), widens F16 and reorders llama's Q/K rows", async () => {
    const r = 2;
    const qa = rand(r * SHAPE.nEmbd),
      qb = rand(SHAPE.nEmbd * r),
      ka = rand(r * SHAPE.nEmbd),
      kb = rand(kvRows * r);
    const out = join(dir, "foreign");
    writePeft(
      out,
      { r, lora_alpha: 4, use_rslora: true, alpha_pattern: { k_proj: 1 } },
      {
        "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight": { shape: [r, SHAPE.nEmbd], data: qa, f16: true },
        "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight": { shape: [SHAPE.nEmbd, r], data: qb },
        "base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight": { shape: [r, SHAPE.nEmbd], data: ka },
        "base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight": { shape: [kvRows, r], data: kb },
      },
    );
    const res = await importPeft({ peftDir: out, basePath: models.llama!.base, outPath: join(dir, "foreign.gguf") });
    expect(res.adapted.sort()).toEqual(["blk.0.attn_k.weight", "blk.0.attn_q.weight"]);
    const g = loadGgml();
    const got = readLoraAdapter(g, join(dir, "foreign.gguf"));
    // llama.cpp applies alpha/r with r from each B; PEFT applies lora_alpha/√r (rsLoRA), k_proj's alpha 1.
    const f16 = (x: Float32Array) => {
      const h = new Uint16Array(x.length);
      g.core.fp32_to_fp16_row(x, h, x.length);
      const o = new Float32Array(x.length);
      g.core.fp16_to_fp32_row(h, o, x.length);
      return o;
    };
    for (const [proj, a, b, rows, heads, alphaM] of [
      ["q", f16(qa), qb, SHAPE.nEmbd, SHAPE.nHead, 4],
      ["k", ka, kb, kvRows, SHAPE.nHeadKv, 1],
    ] as const) {
      const peftDelta = matmul(b, a, rows, r, SHAPE.nEmbd).map((x) => (x * alphaM) / Math.sqrt(r));
      const ga = got.tensors.get(`blk.0.attn_${proj}.weight.lora_a`)!.data;
      const gb = got.tensors.get(`blk.0.attn_${proj}.weight.lora_b`)!.data;
      const ggufDelta = matmul(gb, ga, rows, r, SHAPE.nEmbd).map((x) => (x * got.alpha) / r);
      expect(maxAbsDiff(hfToGgufRows(peftDelta, rows, SHAPE.nEmbd, heads), ggufDelta)).toBeLessThan(1e-6);
    }
    expect(res.notes.join("\n")).toMatch(/use_rslora/);
    expect(res.notes.join("\n")).toMatch(/k_proj: B scaled/);
    expect(res.notes.join("\n")).toMatch(/F16/);
  });

  it("refuses what a GGUF LoRA cannot hold, naming the file and field", async () => {
    const cases: [object, RegExp][] = [
      [{ r: 2, lora_alpha: 4, use_dora: true }, /use_dora/],
      [{ r: 2, lora_alpha: 4, modules_to_save: ["lm_head"] }, /modules_to_save/],
      [{ r: 2, lora_alpha: 4, peft_type: "IA3" }, /peft_type/],
    ];
    for (const [i, [cfg, re]] of cases.entries()) {
      const out = join(dir, `bad-${i}`);
      writePeft(out, cfg, {
        "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight": { shape: [2, SHAPE.nEmbd], data: rand(2 * SHAPE.nEmbd) },
      });
      const err = await importPeft({ peftDir: out, basePath: models.llama!.base, outPath: join(dir, "x.gguf") }).catch((e) => e);
      expect(err).toBeInstanceOf(UserError);
      expect(err.message).toMatch(re);
      expect(err.message).toContain("adapter_config.json");
    }
    const out = join(dir, "bad-shape");
    writePeft(
      out,
      { r: 2, lora_alpha: 4 },
      {
        "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight": { shape: [2, 32], data: rand(64) },
        "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight": { shape: [SHAPE.nEmbd, 2], data: rand(2 * SHAPE.nEmbd) },
      },
    );
    await expect(importPeft({ peftDir: out, basePath: models.llama!.base, outPath: join(dir, "x.gguf") })).rejects.toThrow(
      /q_proj lora_A \[2,32\].*do not fit blk\.0\.attn_q\.weight/,
    );
  });
});

describe("merged GGUF", () => {
  let model: LlamaModel | undefined;
  afterAll(async () => {
    await model?.dispose();
  });

  /** node-llama-cpp's next-token logits at every position (F32 KV cache, no flash attention). */
  async function logits(m: LlamaModel, tokens: number[], adapter?: { path: string; scale: number }): Promise<Float32Array> {
    const ctx = await m.createContext({
      contextSize: 128,
      threads: 1,
      flashAttention: false,
      experimentalKvCacheKeyType: "F32",
      experimentalKvCacheValueType: "F32",
      ...(adapter ? { lora: { adapters: [{ filePath: adapter.path, scale: adapter.scale }] } } : {}),
    });
    try {
      const res = await ctx
        .getSequence()
        .controlledEvaluate(
          tokens.map((t) => [t as Token, { generateNext: { logits: true } }] as [Token, { generateNext: { logits: true } }]),
        );
      const out: number[] = [];
      for (const r of res) {
        const l = r!.next!.logits!;
        for (let i = 0; i < l.size; i++) out.push(l.get(i as Token) ?? NaN);
      }
      return Float32Array.from(out);
    } finally {
      await ctx.dispose();
    }
  }

  it("equals base + adapter in node-llama-cpp (scale 1 and 0.5)", async () => {
    const llama = await getLlama();
    const tokens = [1, 40, 77, 120, 9, 200, 31, 150, 64];
    const base = await llama.loadModel({ modelPath: models.llama!.base });
    try {
      for (const scale of [1, 0.5]) {
        const out = join(dir, `merged-${scale}.gguf`);
        const res = await mergeLora({ basePath: models.llama!.base, adapterPath: models.llama!.adapter, outPath: out, scale });
        expect(res.merged).toHaveLength(7 * SHAPE.nLayer + 1);
        const withAdapter = await logits(base, tokens, { path: models.llama!.adapter, scale });
        const plain = await logits(base, tokens);
        model = await llama.loadModel({ modelPath: out });
        const merged = await logits(model, tokens);
        await model.dispose();
        model = undefined;
        const d = maxAbsDiff(merged, withAdapter);
        console.log(
          `[merge] scale ${scale}: max |merged − base+adapter| ${d.toExponential(2)}, adapter moved logits by ${maxAbsDiff(plain, withAdapter).toExponential(2)}`,
        );
        expect(d).toBeLessThan(1e-5);
        expect(maxAbsDiff(plain, withAdapter)).toBeGreaterThan(1e-2);
      }
    } finally {
      await base.dispose();
    }
  });

  it("refuses an adapter of another shape", async () => {
    const other = join(dir, "wide.gguf");
    await writeTinyModel(other, { ...SHAPE, nEmbd: 32, nHead: 2, nHeadKv: 1 });
    await expect(mergeLora({ basePath: other, adapterPath: models.llama!.adapter, outPath: join(dir, "x.gguf") })).rejects.toThrow(
      /does not fit/,
    );
  });
});
