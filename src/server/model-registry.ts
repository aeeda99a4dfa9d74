/**
 * The models a server answers for, by id: GGUF files and run agents (a base plus an optional LoRA),
 * fine-tuned models added as their jobs finish, and "society" (a debate of several of them).
 */
import type { AgentModel } from "../backends/types.js";
import { notFound } from "./api-error.js";

export interface ServedModel {
  id: string;
  /** The weights: a GGUF and optionally a LoRA adapter over it. */
  model: AgentModel;
  /** Unix seconds. */
  created: number;
  ownedBy: string;
  /** The id this one was fine-tuned from, if any. */
  parent?: string;
  /** The served base every fine-tune of this model descends from (names fine-tuned ids). */
  root: string;
}

export const SOCIETY_MODEL_ID = "society";

export class ModelRegistry {
  private readonly models = new Map<string, ServedModel>();
  private societyCreated?: number;

  add(m: Omit<ServedModel, "created" | "ownedBy" | "root"> & Partial<Pick<ServedModel, "created" | "ownedBy" | "root">>): ServedModel {
    if (m.id === SOCIETY_MODEL_ID) throw new Error(`model id "${SOCIETY_MODEL_ID}" is reserved for the debating society`);
    const full: ServedModel = { created: Math.floor(Date.now() / 1000), ownedBy: "society", root: m.id, ...m };
    this.models.set(m.id, full);
    return full;
  }

  /** Lists "society" too once a society is configured. */
  enableSociety(): void {
    this.societyCreated ??= Math.floor(Date.now() / 1000);
  }

  get hasSociety(): boolean {
    return this.societyCreated !== undefined;
  }

  find(id: string): ServedModel | undefined {
    return this.models.get(id);
  }

  /** The model or an OpenAI-shaped 404 naming what is served. */
  get(id: string, param = "model"): ServedModel {
    const m = this.models.get(id);
    if (!m) throw notFound(`model "${id}" does not exist (served: ${this.ids().join(", ") || "none"})`, param);
    return m;
  }

  /** The first model served (whose tokenizer the tokenizer routes use when a request names none). */
  first(): ServedModel {
    const m = this.models.values().next().value;
    if (!m) throw notFound("no model is served");
    return m;
  }

  ids(): string[] {
    return [...this.models.keys(), ...(this.hasSociety ? [SOCIETY_MODEL_ID] : [])];
  }

  /**
   * GET /v1/models entries. `root` is the weights' file (the adapter, else the GGUF), as vLLM spells it: a
   * client with the same files finds which id serves an adapter of its own (src/backends/openai/addressing.ts).
   */
  list(): Array<{ id: string; object: "model"; created: number; owned_by: string; parent?: string; root?: string }> {
    const out: ReturnType<ModelRegistry["list"]> = [...this.models.values()].map((m) => ({
      id: m.id,
      object: "model" as const,
      created: m.created,
      owned_by: m.ownedBy,
      ...(m.parent ? { parent: m.parent } : {}),
      root: m.model.adapter ?? m.model.base,
    }));
    if (this.societyCreated !== undefined)
      out.push({ id: SOCIETY_MODEL_ID, object: "model", created: this.societyCreated, owned_by: "society" });
    return out;
  }
}
