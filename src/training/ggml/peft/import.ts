import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { UserError } from "../../../errors.js";
import { GGML_TYPE, loadGgml, type Ggml, type Tensor } from "../ffi/index.js";
import { HostTensors } from "../gguf/write.js";
import { writeLoraAdapter } from "../save.js";
import { META_ARCH, META_NAME, readBaseInfo } from "./export.js";
import { ggufBaseOf, PEFT_ARCHS, permuteRopeRows, ROPE_INTERLEAVED_ARCHS, ropeHeads } from "./names.js";
import { readSafetensors, type SafetensorsTensor } from "../../../formats/safetensors.js";

export interface PeftImportOptions {
  /** Folder with adapter_config.json and adapter_model.safetensors. */
  peftDir: string;
  /** The GGUF base model the adapter was trained on (as converted by llama.cpp). */
  basePath: string;
  /** The GGUF LoRA adapter to write. */
  outPath: string;
}

export interface PeftImportResult {
  outPath: string;
  sha256: string;
  tensors: number;
  /** GGUF base tensors adapted. */
  adapted: string[];
  /** What was converted rather than copied (rsLoRA, per-module ranks/alphas, F16 data). */
  notes: string[];
}

interface PeftConfig {
  r: number;
  lora_alpha: number;
  use_rslora?: boolean;
  rank_pattern?: Record<string, number>;
  alpha_pattern?: Record<string, number>;
}

/** adapter_config.json, refused where it describes something a GGUF LoRA cannot hold. */
function readConfig(path: string): PeftConfig {
  let c: any;
  try {
    c = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new UserError(
      `${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : `not valid JSON (${(e as Error).message})`}`,
    );
  }
  const bad = (field: string, why: string) => new UserError(`${path}: ${field} ${why}`);
  if (c?.peft_type !== "LORA") throw bad("peft_type", `is ${JSON.stringify(c?.peft_type)}; only LORA adapters can be imported`);
  if (!(Number.isInteger(c.r) && c.r > 0)) throw bad("r", "must be a positive integer");
  if (!(typeof c.lora_alpha === "number" && c.lora_alpha > 0)) throw bad("lora_alpha", "must be a positive number");
  if (c.use_dora) throw bad("use_dora", "is true; DoRA adapters have no GGUF LoRA form");
  if (c.fan_in_fan_out) throw bad("fan_in_fan_out", "is true (Conv1D weights); llama-family models have none");
  if (c.bias && c.bias !== "none") throw bad("bias", `is "${c.bias}"; LoRA bias terms have no GGUF LoRA form`);
  if (Array.isArray(c.modules_to_save) && c.modules_to_save.length > 0) {
    throw bad(
      "modules_to_save",
      `lists ${c.modules_to_save.join(", ")}: fully trained modules cannot be a LoRA; merge the adapter with PEFT and convert the model instead`,
    );
  }
  return c;
}

/** PEFT's per-module override: the pattern key that matches the module name's end (PEFT's own rule, simplified). */
function patternValue(pattern: Record<string, number> | undefined, module: string): number | undefined {
  if (!pattern) return undefined;
  const keys = Object.keys(pattern).filter((k) => module === k || module.endsWith(`.${k}`));
  keys.sort((a, b) => b.length - a.length);
  return keys.length ? pattern[keys[0]!] : undefined;
}

function toF32(g: Ggml, t: SafetensorsTensor): Float32Array {
  const n = t.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  if (t.dtype === "F32") new Uint8Array(out.buffer).set(t.bytes);
  else if (t.dtype === "F16") g.core.fp16_to_fp32_row(t.bytes, out, n);
  else g.core.bf16_to_fp32_row(t.bytes, out, n);
  return out;
}

/**
 * Converts a PEFT LoRA adapter into our GGUF LoRA (what `society train --init-adapter`, node-llama-cpp and
 * llama.cpp's --lora load): names mapped to GGUF, llama's Q/K B rows put in GGUF's interleaved RoPE order,
 * data as F32. rsLoRA and per-module ranks/alphas, which one GGUF alpha cannot express, are folded into B so
 * that every module keeps PEFT's scale.
 */
export async function importPeft(o: PeftImportOptions): Promise<PeftImportResult> {
  const cfgPath = join(o.peftDir, "adapter_config.json");
  const stPath = join(o.peftDir, "adapter_model.safetensors");
  if (!existsSync(stPath)) {
    const bin = existsSync(join(o.peftDir, "adapter_model.bin"));
    throw new UserError(
      `${stPath} not found${bin ? " (adapter_model.bin is a pickle; save the adapter with safe_serialization=True)" : ""}`,
    );
  }
  const cfg = readConfig(cfgPath);
  const g = loadGgml();
  const base = readBaseInfo(g, o.basePath);
  const file = readSafetensors(stPath);
  const fromArch = file.metadata[META_ARCH];
  if (fromArch && fromArch !== base.hp.arch)
    throw new UserError(`${stPath} was exported from a ${fromArch} adapter; ${o.basePath} is ${base.hp.arch}`);
  const notes: string[] = [];

  // Pair lora_A/lora_B per module, in the header's order of first appearance.
  const modules = new Map<string, { a?: SafetensorsTensor; b?: SafetensorsTensor }>();
  for (const t of file.tensors) {
    const m = /^(?:base_model\.model\.)?(.+)\.lora_([AB])(?:\.[\w-]+)?\.weight$/.exec(t.name);
    if (!m) {
      const hint = /embed_tokens|lm_head\.weight$/.test(t.name)
        ? " (embedding or LM-head weights: new tokens were trained; a GGUF LoRA cannot add them)"
        : "";
      throw new UserError(`${stPath}: tensor ${t.name} is not a lora_A/lora_B weight${hint}`);
    }
    const entry = modules.get(m[1]!) ?? {};
    entry[m[2] === "A" ? "a" : "b"] = t;
    modules.set(m[1]!, entry);
  }
  if (modules.size === 0) throw new UserError(`${stPath}: no LoRA tensors`);

  const rs = cfg.use_rslora === true;
  // One GGUF alpha for all modules: llama.cpp scales each by alpha / (that module's rank).
  const ggufAlpha = rs ? cfg.lora_alpha * Math.sqrt(cfg.r) : cfg.lora_alpha;
  if (rs) notes.push(`use_rslora: GGUF alpha ${ggufAlpha} (= lora_alpha·√r, so alpha/r is PEFT's alpha/√r)`);
  if (!PEFT_ARCHS.has(base.hp.arch))
    throw new UserError(
      `PEFT import supports ${[...PEFT_ARCHS].join(", ")} base models, not ${base.hp.arch} (its fused modules are not mapped yet)`,
    );
  const permute = ROPE_INTERLEAVED_ARCHS.has(base.hp.arch);
  const prepared: { name: string; ne: number[]; data: Float32Array }[] = [];
  const adapted: string[] = [];
  let converted = false;
  for (const [mod, { a, b }] of modules) {
    const baseName = ggufBaseOf(mod);
    if (!baseName)
      throw new UserError(
        `${stPath}: module ${mod} is not one our trainer adapts (q/k/v/o_proj, gate/up/down_proj, lm_head of a llama-family model)`,
      );
    if (!a || !b) throw new UserError(`${stPath}: module ${mod} has lora_${a ? "A" : "B"} but no lora_${a ? "B" : "A"}`);
    const shape = base.shapes.get(baseName);
    if (!shape)
      throw new UserError(
        `${stPath}: ${mod} adapts ${baseName}, which the base model ${o.basePath} does not have${baseName === "output.weight" ? " (its LM head is tied to the token embedding)" : ""}`,
      );
    const [nIn, nOut] = shape as [number, number];
    const r = a.shape[0]!;
    if (a.shape.length !== 2 || b.shape.length !== 2 || a.shape[1] !== nIn || b.shape[0] !== nOut || b.shape[1] !== r) {
      throw new UserError(`${stPath}: ${mod} lora_A [${a.shape}] / lora_B [${b.shape}] do not fit ${baseName} (in ${nIn}, out ${nOut})`);
    }
    if (a.dtype !== "F32" || b.dtype !== "F32") converted = true;
    const dataA = toF32(g, a);
    let dataB = toF32(g, b);
    // PEFT's scale for this module vs the one llama.cpp will apply; equal unless patterns or rsLoRA say otherwise.
    const rm = patternValue(cfg.rank_pattern, mod) ?? cfg.r;
    const am = patternValue(cfg.alpha_pattern, mod) ?? cfg.lora_alpha;
    if (rm !== r) throw new UserError(`${stPath}: ${mod} has rank ${r}, but adapter_config.json gives it ${rm}`);
    const want = rs ? am / Math.sqrt(rm) : am / rm;
    const gets = ggufAlpha / r;
    if (Math.abs(want / gets - 1) > 1e-12) {
      const f = want / gets;
      dataB = dataB.map((x) => x * f);
      notes.push(`${mod}: B scaled by ${f.toPrecision(6)} (its rank/alpha differ from the adapter's)`);
    }
    const heads = ropeHeads(baseName, base.hp);
    if (permute && heads !== undefined) dataB = permuteRopeRows(dataB, r, heads, "to-gguf");
    prepared.push({ name: `${baseName}.lora_a`, ne: [nIn, r], data: dataA }, { name: `${baseName}.lora_b`, ne: [r, nOut], data: dataB });
    adapted.push(baseName);
  }
  if (converted) notes.push("F16/BF16 tensors widened to F32");

  const host = new HostTensors(
    g,
    prepared.reduce((s, p) => s + p.data.byteLength, 0),
    prepared.length,
  );
  try {
    const tensors: Tensor[] = prepared.map((p) => host.add(p.name, GGML_TYPE.F32, p.ne, p.data));
    const name = file.metadata[META_NAME] ?? `${basename(o.peftDir)} LoRA`;
    const sha256 = await writeLoraAdapter(g, o.outPath, { arch: base.hp.arch, name, alpha: ggufAlpha, rank: cfg.r }, tensors);
    return { outPath: o.outPath, sha256, tensors: tensors.length, adapted, notes };
  } finally {
    host.free();
  }
}
