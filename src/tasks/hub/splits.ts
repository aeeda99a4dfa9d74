import { UserError } from "../../errors.js";

/**
 * Which files of a Hub data set hold a config's split, following the Hub's own rules: the dataset card's
 * `configs:` (each with `data_files` per split, or a `data_dir`) when it has them, else its file-name
 * conventions (a `train`/`validation`/`test` directory or file-name word; files naming no split are train).
 */

export interface CardConfig {
  config_name?: string;
  data_files?: string | string[] | Array<{ split: string; path: string | string[] }>;
  data_dir?: string;
  default?: boolean;
}

const DATA_EXTENSIONS = /\.(parquet|jsonl|ndjson|json|csv|tsv)$/i;

const SPLIT_WORDS: Record<string, string[]> = {
  train: ["train", "training"],
  validation: ["validation", "valid", "val", "dev"],
  test: ["test", "testing", "eval", "evaluation"],
};

export function cardConfigs(cardData: unknown): CardConfig[] {
  const configs = (cardData as { configs?: unknown } | undefined)?.configs;
  return Array.isArray(configs) ? (configs as CardConfig[]).filter((c) => c && typeof c === "object") : [];
}

/** The config names a data set offers ("default" when its card declares none). */
export function configNames(cardData: unknown): string[] {
  const cs = cardConfigs(cardData);
  return cs.length ? cs.map((c) => c.config_name ?? "default") : ["default"];
}

/** The config used when none is named: the card's `default: true`, else "default", else the only one. */
export function defaultConfig(repo: string, cardData: unknown): string {
  const cs = cardConfigs(cardData);
  const chosen =
    cs.find((c) => c.default) ?? cs.find((c) => (c.config_name ?? "default") === "default") ?? (cs.length === 1 ? cs[0] : undefined);
  if (cs.length && !chosen) throw new UserError(`${repo}: name a config (it has ${configNames(cardData).join(", ")}; or --config all)`);
  return chosen?.config_name ?? "default";
}

/** Split name → repository paths, for one config. */
export function splitFiles(repo: string, cardData: unknown, config: string, files: readonly string[]): Record<string, string[]> {
  const data = files.filter((f) => DATA_EXTENSIONS.test(f) && !f.split("/").some((p) => p.startsWith(".")));
  const cs = cardConfigs(cardData);
  if (cs.length) {
    const c = cs.find((x) => (x.config_name ?? "default") === config);
    if (!c) throw new UserError(`${repo}: no config "${config}" (it has ${configNames(cardData).join(", ")})`);
    if (c.data_files !== undefined) {
      const entries =
        typeof c.data_files === "string" || (Array.isArray(c.data_files) && c.data_files.every((x) => typeof x === "string"))
          ? [{ split: "train", path: c.data_files as string | string[] }]
          : (c.data_files as Array<{ split: string; path: string | string[] }>);
      const out: Record<string, string[]> = {};
      for (const e of entries) {
        const patterns = (Array.isArray(e.path) ? e.path : [e.path]).map((p) => globRegex(c.data_dir ? `${c.data_dir}/${p}` : p));
        out[e.split] = [...new Set([...(out[e.split] ?? []), ...files.filter((f) => patterns.some((re) => re.test(f)))])].sort();
      }
      return out;
    }
    const dir = c.data_dir?.replace(/\/+$/, "");
    return bySplitWords(dir ? data.filter((f) => f.startsWith(`${dir}/`)).map((f) => f.slice(dir.length + 1)) : data, dir);
  }
  if (config !== "default") throw new UserError(`${repo}: no config "${config}" (its card declares none: use "default")`);
  return bySplitWords(data);
}

function bySplitWords(files: string[], dir?: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const unsplit: string[] = [];
  for (const f of [...files].sort()) {
    const split = splitOfPath(f);
    const full = dir ? `${dir}/${f}` : f;
    if (split) (out[split] ??= []).push(full);
    else unsplit.push(full);
  }
  if (Object.keys(out).length === 0 && unsplit.length) out.train = unsplit;
  return out;
}

function splitOfPath(path: string): string | undefined {
  const parts = path.split("/");
  const name = parts.pop()!.replace(DATA_EXTENSIONS, "");
  for (const [split, words] of Object.entries(SPLIT_WORDS)) {
    for (const w of words) {
      if (parts.some((d) => new RegExp(`^${w}(?:[-._ 0-9].*)?$`, "i").test(d))) return split;
      if (new RegExp(`(?:^|[-._ 0-9])${w}(?:[-._ 0-9]|$)`, "i").test(name)) return split;
    }
  }
  return undefined;
}

/** A data_files glob: `**` crosses folders, `*` and `?` do not. */
export function globRegex(glob: string): RegExp {
  let src = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      src += glob[i + 2] === "/" ? "(?:.*/)?" : ".*";
      i += glob[i + 2] === "/" ? 2 : 1;
    } else if (c === "*") src += "[^/]*";
    else if (c === "?") src += "[^/]";
    else src += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${src}$`);
}
