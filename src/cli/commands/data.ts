import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { Argv, CommandModule } from "yargs";
import { commandGroup } from "../command-group.js";
import { defaultHubCache, readManifest } from "../../tasks/hub/cache.js";
import { pullDataset, splitRepo } from "../../tasks/hub/pull.js";

/** `society data pull | list`: Hugging Face Hub data sets in the local cache, for task files' `hub:` sources. */

const out = (line = "") => process.stdout.write(`${line}\n`);

interface PullArgs {
  repo: string;
  revision?: string;
  config?: string[];
  split?: string[];
  offline: boolean;
}

const mb = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} kB`);
const shown = (p: string) => (relative(process.cwd(), p).startsWith("..") ? p : relative(process.cwd(), p) || ".");

const pull: CommandModule<{}, PullArgs> = {
  command: "pull <repo>",
  describe: "Download a Hub data set's config/split files into the cache (HF_TOKEN, HF_ENDPOINT honoured)",
  builder: (y: Argv) =>
    y
      .positional("repo", { type: "string", demandOption: true, describe: "owner/name (or owner/name@revision)" })
      .option("revision", { type: "string", describe: "branch, tag or commit (default main)" })
      .option("config", {
        type: "string",
        array: true,
        describe: 'config(s) to pull; "all" for every one (default: the data set\'s default)',
      })
      .option("split", { type: "string", array: true, describe: "split(s) to pull (default: every split)" })
      .option("offline", { type: "boolean", default: false, describe: "answer from the cache only (also HF_HUB_OFFLINE=1)" })
      .example("$0 data pull EleutherAI/hendrycks_math --config all --split train", "MATH train, all seven subjects")
      .example("$0 data pull tau/commonsense_qa", "CommonsenseQA, every split") as any,
  handler: async (args) => {
    const { repo, revision: atRevision } = splitRepo(args.repo);
    const revision = args.revision ?? atRevision;
    const configs = args.config?.length ? (args.config.includes("all") ? "all" : args.config.map(String)) : undefined;
    const r = await pullDataset(
      { repo, revision, configs, splits: args.split?.length ? args.split.map(String) : undefined },
      { offline: args.offline || undefined, log: (l) => process.stderr.write(`${l}\n`) },
    );
    out(
      `${r.repo}@${r.revision}${r.revision === r.sha ? "" : ` → ${r.sha}`}  (${r.mode === "online" ? `${r.downloaded} file(s) downloaded` : "from the cache"})`,
    );
    const width = Math.max(...r.splits.map((s) => `${s.config}/${s.split}`.length));
    for (const s of r.splits) {
      const size = s.files.reduce((n, f) => n + f.size, 0);
      out(
        `  ${`${s.config}/${s.split}`.padEnd(width)}  ${String(s.files.length).padStart(3)} file(s) ${mb(size).padStart(9)}${s.source === "parquet-conversion" ? "  (the Hub's Parquet conversion)" : ""}`,
      );
      for (const f of s.files) out(`      ${f.sha256.slice(0, 16)}…  ${f.path}`);
    }
    out(`cached in ${shown(r.dir)}`);
    const first = r.splits[0];
    if (first) {
      const config = first.config === "default" ? "" : `, config: ${first.config}`;
      out(`in a task file:  train: { hub: ${r.repo}@${r.sha}${config}, split: ${first.split} }`);
    }
  },
};

const list: CommandModule<{}, {}> = {
  command: "list",
  describe: "List the data sets in the cache",
  handler: () => {
    const cache = defaultHubCache();
    const rows: string[] = [];
    for (const owner of existsSync(cache) ? readdirSync(cache).sort() : []) {
      for (const name of readdirSync(join(cache, owner)).sort()) {
        const repo = `${owner}/${name}`;
        const refsDir = join(cache, owner, name, "refs");
        const refs = existsSync(refsDir)
          ? readdirSync(refsDir).map((r) => [decodeURIComponent(r), readFileSync(join(refsDir, r), "utf8").trim()])
          : [];
        for (const sha of readdirSync(join(cache, owner, name))
          .filter((d) => /^[0-9a-f]{40}$/.test(d))
          .sort()) {
          const m = readManifest(cache, repo, sha);
          if (!m) continue;
          const names = refs.filter(([, s]) => s === sha).map(([r]) => r);
          const splits = Object.entries(m.splits)
            .map(([k, v]) => `${k} (${v.files.length})`)
            .join(", ");
          rows.push(`${repo}@${sha.slice(0, 12)}${names.length ? ` [${names.join(", ")}]` : ""}  ${splits}`);
        }
      }
    }
    out(rows.length ? rows.join("\n") : `no data sets in ${shown(cache)} (society data pull <owner/name>)`);
  },
};

export default commandGroup("data", "Pull Hugging Face Hub data sets into the local cache, and list them", [pull, list]);
