import { join } from "node:path";
import type { CommandModule } from "yargs";
import { commandGroup } from "../command-group.js";
import { UserError } from "../../errors.js";
import { runFilterOptions, type RunFilterArgs } from "../run-filter-options.js";
import { withStore } from "../with-store.js";

/** `society adapter export|import`: LoRA adapters to and from Hugging Face PEFT, and merged into a GGUF. */

interface ExportArgs extends RunFilterArgs {
  adapter?: string;
  model?: string;
  run?: string;
  agent?: string;
  format: "peft" | "merged-gguf";
  out?: string;
  scale: number;
  "hf-base"?: string;
  db?: string;
}

interface ImportArgs {
  peft: string;
  model: string;
  out: string;
}

const out = (line: string) => process.stdout.write(`${line}\n`);

/** The adapter and base named on the command line, or looked up from a run's agent. */
async function locate(a: ExportArgs): Promise<{ adapter: string; base: string; label: string }> {
  if (a.run || a.agent) {
    if (a.adapter) throw new UserError("give an adapter file or --run with --agent, not both");
    if (!a.run || !a.agent) throw new UserError("--run and --agent go together (e.g. --run my-run-s1-ab12cd34 --agent generator0)");
    const { findAgentVersion } = await import("../../run/agent-version.js");
    return withStore(a.db, async (store) => {
      const v = await findAgentVersion(store, { runId: a.run!, agent: a.agent!, method: a.method, iteration: a.iteration });
      if (v.version.kind !== "lora")
        throw new UserError(`${v.label} is a ${v.version.kind} model (${v.version.path ?? v.version.remoteId}), not a LoRA adapter`);
      return { adapter: v.version.path!, base: a.model ?? v.basePath, label: join("runs", a.run!, "export", v.label) };
    });
  }
  if (!a.adapter)
    throw new UserError("name the adapter: society adapter export <adapter.gguf> --model <base.gguf>, or --run <id> --agent <name>");
  if (!a.model) throw new UserError("--model: the base GGUF the adapter was trained on is required");
  return { adapter: a.adapter, base: a.model, label: a.adapter.replace(/\.gguf$/, "") };
}

const exportCmd: CommandModule<{}, ExportArgs> = {
  command: "export [adapter]",
  describe: "Write a LoRA adapter as a Hugging Face PEFT adapter, or merged into its base as one GGUF",
  builder: (y) =>
    runFilterOptions(
      y
        .positional("adapter", { type: "string", describe: "our GGUF LoRA adapter (or use --run and --agent)" })
        .option("model", { type: "string", describe: "the base GGUF it adapts (with --run: default the run's base)" })
        .option("run", { type: "string", describe: "a stored run whose agent to export" })
        .option("agent", { type: "string", describe: "with --run: generator0, critic1, single0, …" }),
      {
        method: "with --run: the method, when several have that agent",
        iteration: "with --run: the agent after this iteration (default its newest)",
      },
    )
      .option("format", {
        choices: ["peft", "merged-gguf"] as const,
        default: "peft" as const,
        describe: "peft: adapter_model.safetensors + adapter_config.json; merged-gguf: base + adapter in one GGUF",
      })
      .option("out", {
        type: "string",
        describe: "peft: output folder (default <adapter>-peft/); merged-gguf: output file (default <adapter>-merged.gguf)",
      })
      .option("scale", { type: "number", default: 1, describe: "merged-gguf: the adapter's strength (as llama.cpp's --lora-scaled)" })
      .option("hf-base", {
        type: "string",
        describe: "peft: base_model_name_or_path for adapter_config.json (default the base GGUF's general.name)",
      })
      .example("$0 adapter export runs/x/models/multiagent-ft/generator0-it2.gguf --model base.gguf", "a PEFT folder beside the adapter")
      .example("$0 adapter export --run my-run-s1-ab12cd34 --agent critic1 --format merged-gguf", "one agent as a standalone GGUF") as any,
  handler: async (a) => {
    const { adapter, base, label } = await locate(a);
    if (a.format === "peft") {
      const { exportPeft } = await import("../../training/ggml/peft/export.js");
      const res = exportPeft({ adapterPath: adapter, basePath: base, outDir: a.out ?? `${label}-peft`, baseModelId: a["hf-base"] });
      out(`wrote PEFT adapter (${res.tensors} tensors; target_modules ${res.targetModules.join(", ")}):`);
      for (const f of res.files) out(`  ${f}`);
    } else {
      const { mergeLora } = await import("../../training/ggml/merge.js");
      const res = await mergeLora({ basePath: base, adapterPath: adapter, outPath: a.out ?? `${label}-merged.gguf`, scale: a.scale });
      out(`wrote merged model ${res.outPath} (${res.merged.length} tensors changed, scale ${a.scale}; sha256 ${res.sha256})`);
    }
  },
};

const importCmd: CommandModule<{}, ImportArgs> = {
  command: "import <peft>",
  describe: "Convert a Hugging Face PEFT LoRA adapter folder into our GGUF LoRA (loads in node-llama-cpp, llama.cpp, --init-adapter)",
  builder: (y) =>
    y
      .positional("peft", { type: "string", demandOption: true, describe: "folder with adapter_config.json and adapter_model.safetensors" })
      .option("model", {
        type: "string",
        demandOption: true,
        describe: "the base GGUF (llama.cpp's conversion of the model the adapter was trained on)",
      })
      .option("out", { type: "string", demandOption: true, describe: "the GGUF adapter to write" }) as any,
  handler: async (a) => {
    const { importPeft } = await import("../../training/ggml/peft/import.js");
    const res = await importPeft({ peftDir: a.peft, basePath: a.model, outPath: a.out });
    for (const n of res.notes) out(`note: ${n}`);
    out(`wrote GGUF LoRA adapter ${res.outPath} (${res.adapted.length} projections; sha256 ${res.sha256})`);
  },
};

export default commandGroup("adapter", "Export LoRA adapters (PEFT, merged GGUF) and import PEFT adapters", [exportCmd, importCmd]);
