/**
 * How one OpenAI-compatible endpoint is told which weights answer a request (`AgentModel` = base + optional
 * LoRA adapter). Servers differ:
 * - `none`: the model is a remote id (OpenAI, a plain server); a local adapter is refused.
 * - `lora`: llama.cpp's `llama-server`, started with `--lora a.gguf --lora b.gguf …`, one process holding the
 *   base and every adapter; a request selects adapters by id in its `lora` list (unlisted ones get scale 0).
 *   Ids come from its `GET /lora-adapters`, matched to our adapter file by path.
 * - `model`: one model name per adapter — vLLM (`--lora-modules name=path`) and `society serve` (an agent
 *   id such as `multiagent-ft/generator0/it1`); names come from `GET /v1/models`, matched by each entry's
 *   `root` (the weights' path, vLLM's field, which `society serve` also sends) or by id.
 *
 * Paths are matched by their longest common tail (file name, then parent folders), because the server
 * may see the same files under another mount point; a tie between two served files is an error, never a guess.
 */
import { basename } from "node:path";
import { UserError } from "../../errors.js";
import type { AgentModel } from "../types.js";

export const ADAPTER_ADDRESSING = ["none", "lora", "model"] as const;
export type AdapterAddressing = (typeof ADAPTER_ADDRESSING)[number];

/** The request fields that select the weights: the `model` string, plus extra body fields (llama-server's `lora`). */
export interface Address {
  model: string;
  extra?: Record<string, unknown>;
}

export type FetchJson = (url: string) => Promise<unknown>;

interface Served {
  name: string | number;
  path?: string;
}

export class EndpointAddresser {
  private served?: Promise<Served[]>;

  constructor(
    readonly baseURL: string,
    readonly mode: AdapterAddressing,
    private readonly fetchJson: FetchJson,
  ) {}

  async address(m: AgentModel): Promise<Address> {
    if (this.mode === "none") {
      if (m.adapter)
        throw new UserError(
          `${this.baseURL} serves remote model ids; it cannot apply the local LoRA adapter ${m.adapter} to "${m.base}" (set adapters: lora for llama-server, or model for vLLM / society serve, on this endpoint)`,
        );
      return { model: m.base };
    }
    if (this.mode === "lora") {
      // llama-server answers for its one base whatever `model` says; the name is for its logs.
      if (!m.adapter) return { model: basename(m.base), extra: { lora: [] } };
      const id = await this.find(m.adapter, "adapter");
      return { model: basename(m.base), extra: { lora: [{ id: Number(id), scale: 1 }] } };
    }
    return { model: String(await this.find(m.adapter ?? m.base, m.adapter ? "adapter" : "base model")) };
  }

  /** The served name of a local file; the list is fetched again once when nothing matches (a restarted server). */
  private async find(local: string, what: string): Promise<string | number> {
    for (let attempt = 0; attempt < 2; attempt++) {
      if (attempt > 0 || !this.served) this.served = this.list();
      let served: Served[];
      try {
        served = await this.served;
      } catch (e) {
        this.served = undefined;
        throw e;
      }
      const hit = matchServed(local, served, () => `${this.baseURL}: the ${what} ${local} matches several served files`);
      if (hit !== undefined) return hit;
      if (attempt > 0) {
        const names = served.map((s) => (s.path ? `${s.name} (${s.path})` : String(s.name))).join(", ") || "none";
        throw new UserError(
          `${this.baseURL} does not serve the ${what} ${local} (${this.mode === "lora" ? "GET /lora-adapters" : "GET /models"}: ${names})`,
        );
      }
    }
    throw new Error("unreachable");
  }

  private async list(): Promise<Served[]> {
    if (this.mode === "lora") {
      // llama-server serves /lora-adapters beside /v1, at the root of the server.
      const url = `${this.baseURL.replace(/\/+$/, "").replace(/\/v1$/, "")}/lora-adapters`;
      const body = await this.fetchJson(url);
      if (!Array.isArray(body))
        throw new UserError(`GET ${url}: expected llama-server's list of LoRA adapters, got ${JSON.stringify(body).slice(0, 120)}`);
      return body.map((a: { id?: unknown; path?: unknown }) => ({
        name: Number(a.id),
        path: typeof a.path === "string" ? a.path : undefined,
      }));
    }
    const url = `${this.baseURL.replace(/\/+$/, "")}/models`;
    const body = (await this.fetchJson(url)) as { data?: Array<{ id?: unknown; root?: unknown }> };
    if (!Array.isArray(body?.data))
      throw new UserError(`GET ${url}: expected an OpenAI model list, got ${JSON.stringify(body).slice(0, 120)}`);
    return body.data.map((m) => ({ name: String(m.id), path: typeof m.root === "string" ? m.root : undefined }));
  }
}

/**
 * The served entry for a local path: the one whose path shares the longest tail with it (at least the file
 * name), else one whose name is the path itself (a remote id). Undefined when none matches.
 */
export function matchServed(local: string, served: readonly Served[], ambiguous: () => string): string | number | undefined {
  const parts = tail(local);
  let best = 0;
  let hits: Served[] = [];
  for (const s of served) {
    if (!s.path) continue;
    const other = tail(s.path);
    let n = 0;
    while (n < parts.length && n < other.length && parts[parts.length - 1 - n] === other[other.length - 1 - n]) n++;
    if (n === 0 || n < best) continue;
    if (n > best) hits = [];
    best = n;
    hits.push(s);
  }
  if (hits.length > 1) throw new UserError(`${ambiguous()}: ${hits.map((h) => `${h.name} (${h.path})`).join(", ")}`);
  if (hits.length === 1) return hits[0]!.name;
  return served.find((s) => String(s.name) === local)?.name;
}

function tail(p: string): string[] {
  return p.split(/[\\/]+/).filter(Boolean);
}
