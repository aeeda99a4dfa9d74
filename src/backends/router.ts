/**
 * Several backends behind one: each generate/score goes to the backend its model names (`AgentModel.backend`,
 * a route), or to the default one. This is how one debate seats agents of different models and providers —
 * a local GGUF, an OpenAI-compatible endpoint, a langchain provider — while everything above sees one Backend.
 */
import { UserError } from "../errors.js";
import type { AgentModel, Backend, ChatMessage, GenerateOptions, Generation, Score } from "./types.js";

export class RouterBackend implements Backend {
  constructor(
    private readonly fallback: Backend,
    private readonly routes: ReadonlyMap<string, Backend>,
  ) {}

  /** The backend serving `m`, and `m` as that backend addresses it (without the route). */
  private pick(m: AgentModel): [Backend, AgentModel] {
    if (m.backend === undefined) return [this.fallback, m];
    const b = this.routes.get(m.backend);
    if (!b)
      throw new UserError(
        `model ${m.base} names backend route "${m.backend}", which this run does not have (routes: ${[...this.routes.keys()].join(", ") || "none"})`,
      );
    const { backend: _route, ...rest } = m;
    return [b, rest];
  }

  async generate(model: AgentModel, chat: ChatMessage[], opts: GenerateOptions): Promise<Generation> {
    const [b, m] = this.pick(model);
    return b.generate(m, chat, opts);
  }

  async score(model: AgentModel, chat: ChatMessage[], completion: string): Promise<Score> {
    const [b, m] = this.pick(model);
    return b.score(m, chat, completion);
  }

  async close(): Promise<void> {
    const all = [this.fallback, ...new Set(this.routes.values())].filter((b, i, xs) => xs.indexOf(b) === i);
    const settled = await Promise.allSettled(all.map((b) => b.close()));
    const bad = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (bad) throw bad.reason;
  }
}
