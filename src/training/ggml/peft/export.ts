import { mkdirSync } from "node:fs";
import { basename, join } from "node:path";
import { UserError } from "../../../errors.js";
import { loadGgml, type Ggml } from "../ffi/index.js";
import { openGguf } from "../gguf/read.js";
import { LoraConfigError, readLoraAdapter, type LoadedAdapter } from "../lora.js";
import { readHParams, UnsupportedModelError, type HParams } from "../model/hparams.js";
import { hfModule, hfTargetName, PEFT_ARCHS, PEFT_PREFIX, permuteRopeRows, ROPE_INTERLEAVED_ARCHS, ropeHeads } from "./names.js";
import { writeSafetensors, type SafetensorsTensor } from "../../../formats/safetensors.js";
import writeFileAtomic from "write-file-atomic";

export interface PeftExportOptions {
  /** Our GGUF LoRA adapter. */
  adapterPath: string;
  /** The GGUF base it adapts (head counts for the RoPE layout, shapes, the name). */
  basePath: string;
  /** Folder for adapter_model.safetensors and adapter_config.json. */
  outDir: string;
  /** adapter_config.json's base_model_name_or_path (default: the base GGUF's general.name). */
  baseModelId?: string;
}

export interface PeftExportResult {
  files: string[];
  tensors: number;
  targetModules: string[];
}

/** Safetensors metadata keys that carry what PEFT has no field for, so an import gives back the same GGUF. */
export const META_NAME = "society.gguf.name";
export const META_ARCH = "society.gguf.architecture";

/** The base model's hyper-parameters and tensor shapes (ggml order), read without loading weights. */
export interface BaseInfo {
  hp: HParams;
  name: string;
  shapes: Map<string, number[]>;
}

export function readBaseInfo(g: Ggml, basePath: string): BaseInfo {
  let f;
  try {
    f = openGguf(basePath, g);
  } catch (e) {
    throw new UserError(`${basePath}: ${(e as Error).message}`);
  }
  try {
    if (f.get("general.type") === "adapter") throw new UserError(`${basePath} is a LoRA adapter; give the base model it adapts`);
    const hp = readHParams(f);
    const shapes = new Map(f.tensors.map((e) => [e.name, e.ne.slice(0, 2)]));
    return { hp, name: String(f.get("general.name") ?? basename(basePath)), shapes };
  } catch (e) {
    if (e instanceof UnsupportedModelError) throw new UserError(`${basePath}: ${e.message}`);
    throw e;
  } finally {
    f.close();
  }
}

/** Reads our adapter and checks it fits `base`: same architecture, every base tensor present, shapes matching. */
export function readCheckedAdapter(g: Ggml, adapterPath: string, base: BaseInfo): { adapter: LoadedAdapter; name: string } {
  let adapter: LoadedAdapter;
  let name: string;
  try {
    adapter = readLoraAdapter(g, adapterPath);
    const f = openGguf(adapterPath, g);
    name = String(f.get("general.name") ?? basename(adapterPath));
    f.close();
  } catch (e) {
    if (e instanceof LoraConfigError) throw new UserError(e.message);
    throw new UserError(`${adapterPath}: ${(e as Error).message}`);
  }
  if (adapter.arch !== base.hp.arch)
    throw new UserError(`${adapterPath}: adapter architecture ${adapter.arch} does not match the base model's ${base.hp.arch}`);
  if (!PEFT_ARCHS.has(adapter.arch))
    throw new UserError(
      `${adapterPath}: PEFT export supports ${[...PEFT_ARCHS].join(", ")} adapters, not ${adapter.arch} (its fused modules are not mapped yet)`,
    );
  for (const [tname, t] of adapter.tensors) {
    const baseName = tname.replace(/\.lora_[ab]$/, "");
    const shape = base.shapes.get(baseName);
    if (!shape) throw new UserError(`${adapterPath}: ${tname} adapts ${baseName}, which the base model does not have`);
    const [nIn, nOut] = shape;
    const ok = tname.endsWith(".lora_a") ? t.ne[0] === nIn : t.ne[1] === nOut;
    if (!ok) throw new UserError(`${adapterPath}: ${tname} has shape [${t.ne}], which does not fit ${baseName} [${shape}]`);
  }
  return { adapter, name };
}

/**
 * Writes a GGUF LoRA adapter as a Hugging Face PEFT adapter: adapter_model.safetensors with
 * `base_model.model.<module>.lora_A.weight` [r, in] and `.lora_B.weight` [out, r] (F32), and
 * adapter_config.json. The data is the same bytes in both formats (ggml's [n_in, r] is PyTorch's row-major
 * [r, n_in]), except llama's Q/K B rows, which return to transformers' rotate-half order.
 */
export function exportPeft(o: PeftExportOptions): PeftExportResult {
  const g = loadGgml();
  const base = readBaseInfo(g, o.basePath);
  const { adapter, name } = readCheckedAdapter(g, o.adapterPath, base);
  const permute = ROPE_INTERLEAVED_ARCHS.has(adapter.arch);
  const tensors: SafetensorsTensor[] = [];
  const targets = new Set<string>();
  for (const [tname, t] of adapter.tensors) {
    const baseName = tname.replace(/\.lora_[ab]$/, "");
    const mod = hfModule(baseName);
    if (!mod) throw new UserError(`${o.adapterPath}: ${tname} has no Hugging Face module name`);
    targets.add(hfTargetName(baseName)!);
    const isA = tname.endsWith(".lora_a");
    let data = t.data;
    const heads = ropeHeads(baseName, base.hp);
    if (!isA && permute && heads !== undefined) data = permuteRopeRows(data, t.ne[0], heads, "to-hf");
    tensors.push({
      name: `${PEFT_PREFIX}${mod}.${isA ? "lora_A" : "lora_B"}.weight`,
      dtype: "F32",
      shape: [t.ne[1], t.ne[0]],
      bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
  }
  mkdirSync(o.outDir, { recursive: true });
  const st = join(o.outDir, "adapter_model.safetensors");
  writeSafetensors(st, { metadata: { format: "pt", [META_NAME]: name, [META_ARCH]: adapter.arch }, tensors });
  const config = {
    peft_type: "LORA",
    task_type: "CAUSAL_LM",
    base_model_name_or_path: o.baseModelId ?? base.name,
    revision: null,
    r: adapter.rank,
    lora_alpha: adapter.alpha,
    lora_dropout: 0,
    target_modules: [...targets],
    bias: "none",
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    use_rslora: false,
    use_dora: false,
    modules_to_save: null,
    layers_to_transform: null,
    layers_pattern: null,
    rank_pattern: {},
    alpha_pattern: {},
  };
  const cfg = join(o.outDir, "adapter_config.json");
  writeFileAtomic.sync(cfg, `${JSON.stringify(config, null, 2)}\n`);
  return { files: [st, cfg], tensors: tensors.length, targetModules: [...targets] };
}
