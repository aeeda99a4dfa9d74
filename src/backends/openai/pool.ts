/**
 * A pool of OpenAI-compatible endpoints (llama-server, vLLM, `society serve` replicas) behind one Backend.
 * Each endpoint keeps its own concurrency limit and retries; a request goes to the endpoint with the least
 * work per slot (ties: the next one after the last chosen), so a faster or larger server takes more. An
 * endpoint whose request still fails after its retries (down, overloaded) is set aside for `coolDownMs`
 * and the request moves to the next; a UserError (a bad request, an adapter it does not serve) is the
 * caller's and is thrown at once. Results do not depend on the endpoint: the seed travels with the request.
 */
import { isUserError } from "../../errors.js";
import type { AgentModel, Backend, ChatMessage, GenerateOptions, Generation, Score } from "../types.js";
import { OpenAIBackend, type OpenAIBackendOptions } from "./backend.js";

export interface EndpointPoolOptions {
  endpoints: Array<OpenAIBackendOptions & { baseURL: string }>;
  /** How long a failing endpoint is passed over. Default 30 s. */
  coolDownMs?: number;
  now?: () => number;
}

export class EndpointPool implements Backend {
  readonly members: OpenAIBackend[];
  private readonly downUntil: number[];
  private next = 0;

  constructor(readonly opts: EndpointPoolOptions) {
    if (!opts.endpoints.length) throw new RangeError("an endpoint pool needs at least one endpoint");
    this.members = opts.endpoints.map((e) => new OpenAIBackend(e));
    this.downUntil = this.members.map(() => 0);
  }

  generate(model: AgentModel, chat: ChatMessage[], opts: GenerateOptions): Promise<Generation> {
    return this.spread((b) => b.generate(model, chat, opts));
  }

  score(model: AgentModel, chat: ChatMessage[], completion: string): Promise<Score> {
    return this.spread((b) => b.score(model, chat, completion));
  }

  async close(): Promise<void> {
    await Promise.all(this.members.map((m) => m.close()));
  }

  /** The member a request goes to now, skipping `tried` and (while others are up) cooling ones. */
  pick(tried: ReadonlySet<number> = new Set()): number | undefined {
    const now = (this.opts.now ?? Date.now)();
    const candidates = this.members.map((_, i) => (this.next + i) % this.members.length).filter((i) => !tried.has(i));
    const up = candidates.filter((i) => this.downUntil[i]! <= now);
    let best: number | undefined;
    for (const i of up.length ? up : candidates) {
      const m = this.members[i]!;
      if (best === undefined || m.load / m.concurrency < this.members[best]!.load / this.members[best]!.concurrency) best = i;
    }
    if (best !== undefined) this.next = (best + 1) % this.members.length;
    return best;
  }

  private async spread<T>(call: (b: OpenAIBackend) => Promise<T>): Promise<T> {
    const tried = new Set<number>();
    let last: unknown;
    for (let i = this.pick(tried); i !== undefined; i = this.pick(tried)) {
      tried.add(i);
      try {
        return await call(this.members[i]!);
      } catch (e) {
        if (isUserError(e)) throw e;
        last = e;
        this.downUntil[i] = (this.opts.now ?? Date.now)() + (this.opts.coolDownMs ?? 30_000);
      }
    }
    throw last;
  }
}
