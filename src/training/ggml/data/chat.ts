import { LlamaText, resolveChatWrapper, SpecialToken, SpecialTokensText, type ChatHistoryItem, type ChatWrapper, type Llama, type LlamaModel, type Token } from "node-llama-cpp";
import type { ChatExample, TokenSequence } from "../../types.js";

type Wrapper = NonNullable<ReturnType<typeof resolveChatWrapper>>;

function history(messages: ChatExample["messages"]): ChatHistoryItem[] {
  return messages.map((m): ChatHistoryItem =>
    m.role === "assistant" ? { type: "model", response: [m.content] } : m.role === "system" ? { type: "system", text: m.content } : { type: "user", text: m.content },
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
 * Renders chat examples with the model's own chat wrapper (node-llama-cpp picks it from the GGUF's template
 * or architecture) and tokenizes them with the model's tokenizer. Loss is on assistant tokens only: for each
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
 */
export class ChatRenderer {
  private readonly wrapper: ChatWrapper;
  private readonly endOfTurn: Token[];
  /** Assistant turns rendered so far, by how: from a window, or from full renders (the slow, defining way). */
  readonly stats = { windowedTurns: 0, fullTurns: 0 };

  /** `wrapper` overrides the one node-llama-cpp resolves for the model (tests compare templates). */
  constructor(private readonly model: LlamaModel, wrapper?: ChatWrapper) {
    this.wrapper = wrapper ?? (resolveChatWrapper(model) as Wrapper);
    this.endOfTurn = this.findEndOfTurn();
  }

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
    const open = this.tokens([{ type: "user", text: "a" }, { type: "model", response: ["b"] }]);
    const state = this.wrapper.generateContextState({
      chatHistory: [{ type: "user", text: "a" }, { type: "model", response: ["b"] }, { type: "user", text: "c" }],
    });
    const closed = state.contextText.tokenize(this.model.tokenizer);
    const at = lcp(open, closed);
    let best: Token[] = [];
    for (const trigger of state.stopGenerationTriggers) {
      const t = trigger.tokenize(this.model.tokenizer);
      if (t.length > best.length && startsWithAt(closed, at, t)) best = t;
    }
    if (best.length > 0) return best;
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
    const windowed = this.spansWindowed(items, full, rendered);
    const spans = windowed?.spans ?? this.spansInFull(items, full);
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
    for (const ex of examples) {
      out.push(this.render(ex));
      if (performance.now() - since > 10) {
        await new Promise((done) => setImmediate(done));
        since = performance.now();
      }
    }
    return out;
  }

  /** [prompt end, reply end] of every assistant turn: the definition, from full renders of each prefix. */
  private spansInFull(items: ChatHistoryItem[], full: Token[]): Map<number, [number, number]> {
    const spans = new Map<number, [number, number]>();
    items.forEach((it, i) => {
      if (it.type !== "model") return;
      spans.set(i, [lcp(this.tokens([...items.slice(0, i), GENERATION_PROMPT]), full), lcp(this.tokens(items.slice(0, i + 1)), full)]);
    });
    return spans;
  }

  /** The same spans from windowed renders (see the class comment); undefined when a check fails. */
  private spansWindowed(items: ChatHistoryItem[], full: Token[], rendered: number): { spans: Map<number, [number, number]>; count: number } | undefined {
    const cache = new Map<string, Token[]>();
    const tokensOf = (p: Piece): Token[] => {
      const key = `${p.kind}\u0000${p.after ? 1 : 0}\u0000${p.value}`;
      let t = cache.get(key);
      if (!t) {
        t = p.kind === "text" ? this.model.tokenizer(p.value, false, "trimLeadingSpace")
          : p.kind === "special" ? (p.source as SpecialToken).tokenize(this.model.tokenizer)
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
        const p: Piece = v instanceof SpecialToken
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

    /** lcp(tokens(whole[0..x) ++ tail), full), given that whole[0..x) is shared. */
    const lcpFrom = (x: number, tail: Piece[]): number => {
      let pos = offsets[x]!;
      for (const p of tail) {
        for (const t of tokensOf(p)) {
          if (pos >= full.length || full[pos] !== t) return pos;
          pos++;
        }
      }
      return pos;
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
      it.type === "user" ? it.text : it.type === "model" ? it.response.filter((r): r is string => typeof r === "string").join("") : typeof it.text === "string" ? it.text : "";
    const pieceAt = (tokenPos: number): number => {
      let lo = 0, hi = whole.length;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (offsets[mid]! <= tokenPos) lo = mid;
        else hi = mid - 1;
      }
      return Math.min(lo, whole.length);
    };

    const spans = new Map<number, [number, number]>();
    const windowed: Array<{ i: number; prompt: Piece[]; reply: Piece[] }> = [];
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
            span = [lcpFrom(a[0], prompt.slice(a[1])), lcpFrom(b[0], reply.slice(b[1]))];
            windowed.push({ i, prompt: [...whole.slice(0, a[0]), ...prompt.slice(a[1])], reply: [...whole.slice(0, b[0]), ...reply.slice(b[1])] });
          }
        } catch {
          // a template that refuses a window (e.g. one that must open with a user message): render in full
        }
      }
      // The first reply, or a window that does not line up (or a template of plain text only): rendered in full.
      span ??= [lcp(this.tokens([...items.slice(0, i), GENERATION_PROMPT]), full), lcp(this.tokens(items.slice(0, i + 1)), full)];
      spans.set(i, span);
      if (i + 1 < items.length && items[i + 1]!.type !== "model") boundary = { j: i + 1, from: pieceAt(span[1]) };
    }
    // Templates that render a turn differently depending on far-away messages are caught here.
    const pick = new Set<number>();
    for (let k = 0; k < VERIFIED_TURNS && windowed.length > 0; k++) pick.add(Math.round((k * (windowed.length - 1)) / Math.max(1, VERIFIED_TURNS - 1)));
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
export function lazyRenderer(llama: Llama, modelPath: string): { get: () => Promise<ChatRenderer>; dispose: () => Promise<void> } {
  let model: Promise<LlamaModel> | undefined;
  let renderer: ChatRenderer | undefined;
  return {
    async get() {
      model ??= llama.loadModel({ modelPath, vocabOnly: true });
      renderer ??= new ChatRenderer(await model);
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
