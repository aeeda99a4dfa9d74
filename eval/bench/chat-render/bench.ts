/**
 * Chat rendering for training: one long conversation (default 1,500 turns, ≈112 KB of message text) rendered
 * into tokens + loss mask by ChatRenderer, against the quadratic definition it replaced (test/…/chat-reference.ts),
 * with the tiny model's tokenizer and chat template (ChatML). Checks the two agree token for token.
 *
 *   npm run bench:chat -- [--turns 1500] [--skip-old] [--repeats 3]
 *
 * Prints milliseconds per render (median over repeats; the old one runs once, it takes minutes), CPU time,
 * and the speed-up.
 */
import { getLlama, LlamaLogLevel, resolveChatWrapper, type ChatWrapper, type Token } from "node-llama-cpp";
import { ensureTestModel } from "../../../src/models/test-model.js";
import { createXoshiro128Rng } from "../../../src/util/rng.js";
import { fnvSplitmixSeedV1 } from "../../../src/util/seed.js";
import { ChatRenderer } from "../../../src/training/ggml/data/chat.js";
import type { ChatExample } from "../../../src/training/types.js";
import { renderQuadratic } from "../../../test/training/ggml/chat-reference.js";
import { benchFlags } from "../common/flags.js";

const a = benchFlags({ turns: 1500, "skip-old": false, repeats: 3 });
const { turns } = a;

/** `turns` messages, alternating user/assistant, ≈75 characters each (seeded arithmetic chatter). */
function conversation(n: number): ChatExample {
  const rng = createXoshiro128Rng(fnvSplitmixSeedV1(1, "chat-render-bench"));
  const messages: ChatExample["messages"] = [];
  for (let i = 0; i < n; i++) {
    const x = Math.floor(rng.next() * 1000),
      y = Math.floor(rng.next() * 1000);
    messages.push(
      i % 2 === 0
        ? { role: "user", content: `Question ${i / 2 + 1}: what is ${x} + ${y}? Show the steps, then put the answer in a box.` }
        : { role: "assistant", content: `${x} + ${y} = ${x + y}. Adding the units first, then the tens and hundreds. \\boxed{${x + y}}` },
    );
  }
  return { messages };
}

const time = <T>(f: () => T): { ms: number; cpuMs: number; out: T } => {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = f();
  const c = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000, out };
};

const llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: await ensureTestModel(), vocabOnly: true });
const ex = conversation(turns);
const bytes = ex.messages.reduce((s, m) => s + Buffer.byteLength(m.content), 0);
const r = new ChatRenderer(model);
console.log(`conversation: ${turns} turns, ${(bytes / 1024).toFixed(0)} KB of message text, wrapper ${r.wrapperName}`);

const runs = Array.from({ length: a.repeats }, () => time(() => r.render(ex)));
const now = runs.sort((x, y) => x.ms - y.ms)[Math.floor(runs.length / 2)]!;
const per = (n: number) => n / runs.length;
console.log(
  `linear:    ${now.ms.toFixed(0)} ms (cpu ${now.cpuMs.toFixed(0)} ms), ${now.out.tokens.length} tokens, ${now.out.lossMask.filter(Boolean).length} trained; assistant turns windowed/in full: ${per(r.stats.windowedTurns)}/${per(r.stats.fullTurns)}`,
);
if (!a["skip-old"]) {
  const endOfTurn = (r as unknown as { endOfTurn: Token[] }).endOfTurn;
  const old = time(() => renderQuadratic(model, resolveChatWrapper(model) as ChatWrapper, endOfTurn, ex));
  const same =
    old.out.tokens.length === now.out.tokens.length &&
    old.out.tokens.every((t, i) => t === now.out.tokens[i]) &&
    old.out.lossMask.every((m, i) => m === now.out.lossMask[i]);
  console.log(`quadratic: ${old.ms.toFixed(0)} ms (cpu ${old.cpuMs.toFixed(0)} ms)`);
  console.log(`identical tokens and loss mask: ${same}`);
  console.log(`speed-up: ${(old.ms / now.ms).toFixed(0)}x (cpu ${(old.cpuMs / now.cpuMs).toFixed(0)}x)`);
  if (!same) process.exitCode = 1;
}
await model.dispose();
