import {
  LlamaText,
  SpecialToken,
  SpecialTokensText,
  type ChatHistoryItem,
  type ChatWrapper,
  type Llama,
  type LlamaModel,
  type Token,
} from "node-llama-cpp";
import { ChatTemplateError } from "../../../backends/llama/chat-template.js";
import { chatWrapperFor, type ChatTemplateOptions } from "../../../backends/llama/chat-wrapper.js";
import type { ChatExample, TokenSequence } from "../../types.js";

function history(messages: ChatExample["messages"]): ChatHistoryItem[] {
  return messages.map((m): ChatHistoryItem =>
    m.role === "assistant"
      ? { type: "model", response: [m.content] }
      : m.role === "system"
        ? { type: "system", text: m.content }
        : { type: "user", text: m.content },
  );
}

const GENERATION_PROMPT: ChatHistoryItem = { type: "model", response: [] };

function lcp(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

function startsWithAt(a: readonly number[], at: number, b: readonly number[]): boolean {
  if (b.length === 0 || at + b.length > a.length) return false;
  for (let i = 0; i < b.length; i++) if (a[at + i] !== b[i]) return false;
  return true;
}

/** A LlamaText as a list of runs: plain text merged, each special piece on its own. */
function runs(t: LlamaText): Array<{ kind: string; value: string }> {
  const out: Array<{ kind: string; value: string }> = [];
  for (const v of t.values) {
    const r =
      typeof v === "string" ? { kind: "text", value: v } : { kind: v instanceof SpecialToken ? "special" : "specialText", value: v.value };
    const last = out[out.length - 1];
    if (last && last.kind === r.kind && r.kind !== "special") last.value += r.value;
    else out.push(r);
  }
  return out.filter((r) => r.value !== "" || r.kind === "special");
}

/**
 * Whether `a` renders a prefix of what `b` renders: the same runs, the last of `a` possibly cut short. (Tokens
 * may still differ at the cut when the tokenizer merges across it; that moves the mask by a token, not a turn.)
 */
export function isTextPrefix(a: LlamaText, b: LlamaText): boolean {
  const x = runs(a);
  const y = runs(b);
  if (x.length > y.length) return false;
  return x.every(
    (r, i) =>
      r.kind === y[i]!.kind && (i === x.length - 1 && r.kind !== "special" ? y[i]!.value.startsWith(r.value) : r.value === y[i]!.value),
  );
}

/**
 * A rendered context cut where LlamaText.tokenize cuts it: each special token, each special-tokens text and
 * each run of plain text is tokenized on its own, so equal pieces give equal tokens and two renders can be
 * compared piece by piece instead of token by token over the whole history.
 */
interface Piece {
  kind: "text" | "special" | "specialText";
  value: string;
  /** Special-tokens text only: whether tokens come before it (LlamaText then tokenizes it with trimLeadingSpace). */
  after: boolean;
  source: SpecialToken | SpecialTokensText | undefined;
}

const samePiece = (a: Piece, b: Piece) => a.kind === b.kind && a.value === b.value && a.after === b.after;
const samePieces = (a: Piece[], b: Piece[]) => a.length === b.length && a.every((p, n) => samePiece(p, b[n]!));

/** Farthest a window's own opening (BOS, a default system prompt, …) may run before it lines up with the whole. */
const ALIGN_SEARCH = 16;
/** Turns whose windowed prompt is also rendered in full and compared, per conversation (cost: linear each). */
const VERIFIED_TURNS = 5;

/**
 * Renders chat examples with the model's own chat template (the GGUF's tokenizer.chat_template, see
 * backends/llama/chat-template.ts; or the wrapper a config names) and tokenizes them with the model's tokenizer. Loss is on assistant tokens only: for each
 * assistant turn the span runs from the end of the rendered prompt (history + assistant header) to the end of
 * the reply plus the template's end-of-turn tokens, so the model learns to stop.
 *
 * The span is defined against full renders — the prompt of turn i is what the wrapper renders for messages
 * 0..i-1 plus an empty assistant turn — but rendering and tokenizing that whole prefix for every turn made a
 * conversation cost quadratic time (1,500 turns: 87 s). So each turn's prompt is rendered as a window, from
 * the message after the previous reply, and spliced onto the whole conversation where the window lines up
 * with it; only the window's pieces are tokenized (equal pieces reuse their tokens). That is exact for
 * templates that render a message the same whatever comes long before it, which every template we know does;
 * to catch one that does not, a few turns per conversation are also rendered in full and compared, and any
 * difference (or a window that does not line up) falls back to full renders.
 *
 * A trained turn must render inside the whole conversation exactly as it renders on its own: its prompt (what
 * inference feeds the model before that reply) and the reply after it must be prefixes of the whole. A template
 * that rewrites history (Mistral's moving the system message into the last user turn, Qwen3's dropping earlier
 * turns' <think> blocks) fails this, and rendering throws a ChatTemplateError naming the turn instead of
 * training on a mask that no longer marks that reply.
 */
export class ChatRenderer {
  private readonly wrapper: ChatWrapper;
  private readonly endOfTurn: Token[];
  /** Assistant turns rendered so far, by how: from a window, or from full renders (the slow, defining way). */
  readonly stats = { windowedTurns: 0, fullTurns: 0 };

  /**
   * Renders with `wrapper` (tests compare templates), else with the model's own chat template (or what
   * `template` names; see chatWrapperFor).
   */
  constructor(
    private readonly model: LlamaModel,
    wrapper?: ChatWrapper,
    template?: ChatTemplateOptions,
  ) {
    const resolved = wrapper ? undefined : chatWrapperFor(model, template);
    this.wrapper = wrapper ?? resolved!.wrapper;
    this.description = resolved?.description ?? wrapper!.wrapperName;
    this.endOfTurn = this.findEndOfTurn();
  }

  /** Which template renders (for logs): e.g. the model's tokenizer.chat_template with its hash and date. */
  readonly description: string;

  get wrapperName(): string {
    return this.wrapper.wrapperName;
  }

  private text(items: ChatHistoryItem[]): LlamaText {
    return this.wrapper.generateContextState({ chatHistory: items }).contextText;
  }

  private tokens(items: ChatHistoryItem[]): Token[] {
    return this.text(items).tokenize(this.model.tokenizer);
  }

  /**
   * The tokens that close an assistant turn: the stop trigger the template itself writes after a reply
   * (e.g. <|im_end|>, <|eot_id|>), found by rendering a reply followed by another user turn; else EOS.
   */
  private findEndOfTurn(): Token[] {
    const open = this.tokens([
      { type: "user", text: "a" },
      { type: "model", response: ["b"] },
    ]);
    const state = this.wrapper.generateContextState({
      chatHistory: [
        { type: "user", text: "a" },
        { type: "model", response: ["b"] },
        { type: "user", text: "c" },
      ],
    });
    const closed = state.contextText.tokenize(this.model.tokenizer);
    const at = lcp(open, closed);
    let best: Token[] = [];
    for (const trigger of state.stopGenerationTriggers) {
      const t = trigger.tokenize(this.model.tokenizer);
      if (t.length > best.length && startsWithAt(closed, at, t)) best = t;
    }
    if (best.length > 0) return best;
    // A template that renders the last reply unlike earlier ones (Qwen3's <think> block) does not line the two
    // up; the open render's own closing trigger (what the template writes after that reply) then says it.
    const openState = this.wrapper.generateContextState({
      chatHistory: [
        { type: "user", text: "a" },
        { type: "model", response: ["b"] },
      ],
    });
    const closing = openState.stopGenerationTriggers.find((t) => t.values.length === 1 && t.values[0] instanceof SpecialTokensText);
    if (closing) return closing.tokenize(this.model.tokenizer);
    const eos = this.model.tokens.eos;
    return eos === null ? [] : [eos];
  }

  /** The tokens a model sees before writing the next assistant reply to `messages` (generation prompt). */
  promptTokens(messages: ChatExample["messages"]): Token[] {
    return this.tokens([...history(messages), GENERATION_PROMPT]);
  }

  render(example: ChatExample): TokenSequence {
    const msgs = example.messages;
    const items = history(msgs);
    const full = this.tokens(items);
    const rendered = full.length;
    if (msgs.length > 0 && msgs[msgs.length - 1].role === "assistant") full.push(...this.endOfTurn);
    const trained = new Set(msgs.flatMap((m, i) => (m.role === "assistant" && m.weight !== 0 ? [i] : [])));
    const windowed = this.spansWindowed(items, full, rendered, trained);
    const spans = windowed?.spans ?? this.spansInFull(items, full, trained);
    const turns = items.filter((it) => it.type === "model").length;
    this.stats.windowedTurns += windowed?.count ?? 0;
    this.stats.fullTurns += turns - (windowed?.count ?? 0);
    const lossMask = new Array<number>(full.length).fill(0);
    msgs.forEach((m, i) => {
      if (m.role !== "assistant" || m.weight === 0) return;
      const [start, replyEnd] = spans.get(i)!;
      let end = replyEnd;
      if (startsWithAt(full, end, this.endOfTurn)) end += this.endOfTurn.length;
      for (let k = Math.max(start, 1); k < end; k++) lossMask[k] = 1;
    });
    return { tokens: full, lossMask };
  }

  /**
   * render() over many examples, letting the event loop run every ~10 ms (rendering is synchronous), so a
   * server or a progress display stays live while a training set renders.
   */
  async renderAll(examples: readonly ChatExample[]): Promise<TokenSequence[]> {
    const out: TokenSequence[] = [];
    let since = performance.now();
    for (const [n, ex] of examples.entries()) {
      try {
        out.push(this.render(ex));
      } catch (e) {
        if (e instanceof ChatTemplateError) throw new ChatTemplateError(`train: example ${n + 1}: ${e.message}`, { cause: e });
        throw e;
      }
      if (performance.now() - since > 10) {
        await new Promise((done) => setImmediate(done));
        since = performance.now();
      }
    }
    return out;
  }

  /** [prompt end, reply end] of every assistant turn: the definition, from full renders of each prefix. */
  private spansInFull(items: ChatHistoryItem[], full: Token[], trained: ReadonlySet<number>): Map<number, [number, number]> {
    const spans = new Map<number, [number, number]>();
    let whole: LlamaText | undefined;
    items.forEach((it, i) => {
      if (it.type !== "model") return;
      spans.set(
        i,
        this.fullSpan(items, i, full, trained.has(i), () => (whole ??= this.text(items))),
      );
    });
    return spans;
  }

  /**
   * One turn's [prompt end, reply end] from full renders; for a trained turn, checks that its prompt and its
   * reply render as prefixes of the whole conversation (`whole`, its text, is rendered only when the tokens
   * say they might not).
   */
  private fullSpan(items: ChatHistoryItem[], i: number, full: Token[], trained: boolean, whole: () => LlamaText): [number, number] {
    const promptText = this.text([...items.slice(0, i), GENERATION_PROMPT]);
    const prompt = promptText.tokenize(this.model.tokenizer);
    const replyText = this.text(items.slice(0, i + 1));
    const reply = replyText.tokenize(this.model.tokenizer);
    const start = lcp(prompt, full);
    const end = lcp(reply, full);
    if (trained && start < prompt.length && !isTextPrefix(promptText, whole())) {
      throw new ChatTemplateError(
        `message ${i + 1} (assistant): the chat template renders the conversation before this reply differently ` +
          `when the reply is generated (its prompt) than inside the whole conversation, so the reply cannot be trained as the model would generate it`,
      );
    }
    if (trained && end < reply.length && !isTextPrefix(replyText, whole())) {
      throw new ChatTemplateError(
        `message ${i + 1} (assistant): the chat template renders this reply differently as the last message than ` +
          `inside the whole conversation (it rewrites history, e.g. dropping an earlier turn's reasoning); give earlier replies weight 0 or train each turn as its own example`,
      );
    }
    return [start, end];
  }

  /** The same spans from windowed renders (see the class comment); undefined when a check fails. */
  private spansWindowed(
    items: ChatHistoryItem[],
    full: Token[],
    rendered: number,
    trained: ReadonlySet<number>,
  ): { spans: Map<number, [number, number]>; count: number } | undefined {
    const cache = new Map<string, Token[]>();
    const tokensOf = (p: Piece): Token[] => {
      const key = `${p.kind}\u0000${p.after ? 1 : 0}\u0000${p.value}`;
      let t = cache.get(key);
      if (!t) {
        t =
          p.kind === "text"
            ? this.model.tokenizer(p.value, false, "trimLeadingSpace")
            : p.kind === "special"
              ? (p.source as SpecialToken).tokenize(this.model.tokenizer)
              : (p.source as SpecialTokensText).tokenize(this.model.tokenizer, p.after);
        cache.set(key, t);
      }
      return t;
    };
    /** LlamaText.tokenize (node-llama-cpp 3) as pieces: their tokens, concatenated, are its output (checked below). */
    const piecesOf = (text: LlamaText): Piece[] => {
      const out: Piece[] = [];
      let run = "";
      let produced = false;
      const flush = () => {
        if (run === "") return;
        const p: Piece = { kind: "text", value: run, after: false, source: undefined };
        out.push(p);
        produced ||= tokensOf(p).length > 0;
        run = "";
      };
      for (const v of text.values) {
        if (typeof v === "string") {
          run += v;
          continue;
        }
        const hadText = run !== "";
        flush();
        const p: Piece =
          v instanceof SpecialToken
            ? { kind: "special", value: v.value, after: false, source: v }
            : { kind: "specialText", value: v.value, after: produced || hadText, source: v };
        out.push(p);
        produced ||= tokensOf(p).length > 0;
      }
      flush();
      return out;
    };
    const whole = piecesOf(this.text(items));
    const offsets: number[] = [0];
    for (const p of whole) offsets.push(offsets[offsets.length - 1]! + tokensOf(p).length);
    // The pieces must tokenize to exactly what LlamaText.tokenize gave (else node-llama-cpp changed how it cuts).
    let at = 0;
    for (const p of whole) {
      for (const t of tokensOf(p)) if (full[at++] !== t) return undefined;
    }
    if (at !== rendered) return undefined;

    /** lcp(tokens(whole[0..x) ++ tail), full), given that whole[0..x) is shared; `all`: the whole of it matched. */
    const lcpFrom = (x: number, tail: Piece[]): { at: number; all: boolean } => {
      let pos = offsets[x]!;
      for (const p of tail) {
        for (const t of tokensOf(p)) {
          if (pos >= full.length || full[pos] !== t) return { at: pos, all: false };
          pos++;
        }
      }
      return { at: pos, all: true };
    };
    /** Text pieces holding each of `texts` in order (contents that are empty or not found are skipped). */
    const contentPieces = (win: Piece[], texts: string[]): number[] => {
      const out: number[] = [];
      let k = 0;
      for (const t of texts) {
        if (t === "") continue;
        let at = k;
        while (at < win.length && !(win[at]!.kind === "text" && win[at]!.value.includes(t))) at++;
        if (at === win.length) continue;
        out.push(at);
        k = at;
      }
      return out;
    };
    /**
     * Where a window's render lines up with `whole` (searched from piece `from` on): [x, y] such that the
     * window from piece y on equals `whole` from piece x on up to its last piece or two (where a prompt ends
     * differently from the same turn inside the whole conversation), and every piece holding one of `mustMatch`
     * (the window's messages) lies in the part that equals. The window's opening before y (BOS, a default
     * system prompt) is replaced by `whole` before x.
     */
    const align = (win: Piece[], from: number, mustMatch: number[]): [number, number] | undefined => {
      const firstContent = mustMatch.length > 0 ? Math.min(...mustMatch) : win.length;
      for (let y = 0; y < Math.min(win.length, ALIGN_SEARCH, firstContent + 1); y++) {
        for (let x = Math.max(from, 1); x < Math.min(whole.length, from + ALIGN_SEARCH); x++) {
          if (!samePiece(win[y]!, whole[x]!)) continue;
          let n = 1;
          while (y + n < win.length && x + n < whole.length && samePiece(win[y + n]!, whole[x + n]!)) n++;
          if (y + n >= win.length - 2 && mustMatch.every((c) => c < y + n)) return [x, y];
        }
      }
      return undefined;
    };
    /** Contents of chat items as the wrapper writes them (system text may be LlamaText JSON: skipped). */
    const contentOf = (it: ChatHistoryItem): string =>
      it.type === "user"
        ? it.text
        : it.type === "model"
          ? it.response.filter((r): r is string => typeof r === "string").join("")
          : typeof it.text === "string"
            ? it.text
            : "";
    const pieceAt = (tokenPos: number): number => {
      let lo = 0,
        hi = whole.length;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (offsets[mid]! <= tokenPos) lo = mid;
        else hi = mid - 1;
      }
      return Math.min(lo, whole.length);
    };

    const spans = new Map<number, [number, number]>();
    const windowed: Array<{ i: number; prompt: Piece[]; reply: Piece[] }> = [];
    let wholeText: LlamaText | undefined;
    // Windows start where a reply is followed by a user or system message: templates merge runs of one
    // role (Llama 2 joins consecutive replies, ChatML consecutive system messages), so a window never
    // starts inside a run. `from`: the piece of `whole` where that reply ended, to line the window up from.
    let boundary: { j: number; from: number } | undefined;
    for (let i = 0; i < items.length; i++) {
      if (items[i]!.type !== "model") continue;
      let span: [number, number] | undefined;
      if (boundary && boundary.j < i) {
        try {
          const win = items.slice(boundary.j, i);
          const prompt = piecesOf(this.text([...win, GENERATION_PROMPT]));
          const reply = piecesOf(this.text([...win, items[i]!]));
          const texts = win.map(contentOf);
          const a = align(prompt, boundary.from, contentPieces(prompt, texts));
          const b = align(reply, boundary.from, contentPieces(reply, texts)); // the reply itself may end differently
          if (a && b) {
            const s0 = lcpFrom(a[0], prompt.slice(a[1]));
            const s1 = lcpFrom(b[0], reply.slice(b[1]));
            // A trained turn whose prompt or reply is not a prefix of the whole is decided by the full renders below.
            if (!trained.has(i) || (s0.all && s1.all)) {
              span = [s0.at, s1.at];
              windowed.push({
                i,
                prompt: [...whole.slice(0, a[0]), ...prompt.slice(a[1])],
                reply: [...whole.slice(0, b[0]), ...reply.slice(b[1])],
              });
            }
          }
        } catch {
          // a template that refuses a window (e.g. one that must open with a user message): render in full
        }
      }
      // The first reply, or a window that does not line up (or a template of plain text only): rendered in full.
      span ??= this.fullSpan(items, i, full, trained.has(i), () => (wholeText ??= this.text(items)));
      spans.set(i, span);
      if (i + 1 < items.length && items[i + 1]!.type !== "model") boundary = { j: i + 1, from: pieceAt(span[1]) };
    }
    // Templates that render a turn differently depending on far-away messages are caught here.
    const pick = new Set<number>();
    for (let k = 0; k < VERIFIED_TURNS && windowed.length > 0; k++)
      pick.add(Math.round((k * (windowed.length - 1)) / Math.max(1, VERIFIED_TURNS - 1)));
    for (const k of pick) {
      const { i, prompt, reply } = windowed[k]!;
      const truePrompt = piecesOf(this.text([...items.slice(0, i), GENERATION_PROMPT]));
      const trueReply = piecesOf(this.text(items.slice(0, i + 1)));
      if (!samePieces(prompt, truePrompt) || !samePieces(reply, trueReply)) return undefined;
    }
    return { spans, count: windowed.length };
  }
}

/** The base model's chat renderer, loaded (vocabulary only) on first use. */
export function lazyRenderer(
  llama: Llama,
  modelPath: string,
  template?: ChatTemplateOptions,
): { get: () => Promise<ChatRenderer>; dispose: () => Promise<void> } {
  let model: Promise<LlamaModel> | undefined;
  let renderer: ChatRenderer | undefined;
  return {
    async get() {
      model ??= llama.loadModel({ modelPath, vocabOnly: true });
      renderer ??= new ChatRenderer(await model, undefined, template);
      return renderer;
    },
    async dispose() {
      const m = model;
      model = undefined;
      renderer = undefined;
      if (m) await (await m).dispose();
    },
  };
}
