import { describe, expect, it } from "vitest";
import { renderChat, tokenizeChat } from "../../../src/models/tiny/chat.js";
import { buildCorpus, compactSolution, criticPrompt, wrongSolution, type Operands } from "../../../src/models/tiny/corpus.js";
import { createHash } from "node:crypto";
import { createXoshiro128Rng } from "../../../src/util/rng.js";
import { operandsOf, orderOf } from "../../../src/models/tiny/solutions.js";
import { renderPrompt } from "../../../src/prompts/templates.js";
import { generateArithmetic, splitOfExpression } from "../../../src/tasks/arithmetic.js";
import { extractAnswer } from "../../../src/tasks/extract.js";

const spec = { seed: 7, maxValue: 9, generatorChats: 300, criticChats: 200 };

/** A critic chat's turns: its own first answer, the prompt quoting the others, its target. */
function criticTurns(corpus: ReturnType<typeof buildCorpus>) {
  return corpus
    .filter((x) => x.kind === "critic")
    .map((c) => {
      const [, first, ask, target] = c.messages as [
        unknown,
        { content: string; weight?: number },
        { content: string },
        { content: string },
      ];
      return { c, first, ask, target };
    });
}

describe("tiny corpus", () => {
  it("is deterministic per spec and changes with the seed", () => {
    const a = buildCorpus(spec);
    expect(JSON.stringify(buildCorpus(spec))).toBe(JSON.stringify(a));
    expect(JSON.stringify(buildCorpus({ ...spec, seed: 8 }))).not.toBe(JSON.stringify(a));
    expect(a.filter((c) => c.kind === "critic")).toHaveLength(200);
  });

  it("without a world is the tiny-v1 corpus byte for byte (cached tiny models are keyed on it)", () => {
    const sha = createHash("sha256")
      .update(JSON.stringify(buildCorpus(spec)))
      .digest("hex");
    expect(sha).toBe("da5a71182bbc323e3acc4083d51aa1dc2c902836c51c566f471e7c98dcf9b3ff");
  });

  it("never contains a test-split question (checked against the split hash and a generated test set)", () => {
    const corpus = buildCorpus({ ...spec, generatorChats: 3000, criticChats: 0 });
    const test = new Set(generateArithmetic("test", 0, 2000, 9).map((q) => q.text));
    for (const c of corpus) {
      expect(splitOfExpression(c.question)).toBe("train");
      expect(test.has(c.question)).toBe(false);
    }
  });

  it("uses the debate prompts: generator turn, then a critic turn quoting other agents, ending correct", () => {
    const corpus = buildCorpus(spec);
    for (const c of corpus) {
      expect(c.messages[0]).toEqual({ role: "user", content: renderPrompt("arithmetic", "generator", { question: c.question }) });
      const last = c.messages[c.messages.length - 1]!;
      expect(last.role).toBe("assistant");
      expect(extractAnswer(last.content)).toEqual({ answer: c.gold, status: "boxed" });
      if (c.kind === "critic") {
        expect(c.messages).toHaveLength(4);
        expect(
          c.messages[2]!.content.startsWith(
            renderPrompt("arithmetic", "critic", { question: c.question, other_responses: "" }).split("\n")[0]!,
          ),
        ).toBe(true);
        // A wrong first answer is kept as context but not trained on.
        const first = c.messages[1]!;
        expect(first.weight === 0).toBe(extractAnswer(first.content).answer !== c.gold);
      }
    }
    const quoted = corpus
      .filter((c) => c.kind === "critic")
      .flatMap((c) =>
        c.messages[2]!.content.split("\n- ")
          .slice(1)
          .map((o) => extractAnswer(o).answer === c.gold),
      );
    const rightShare = quoted.filter(Boolean).length / quoted.length;
    expect(rightShare).toBeGreaterThan(0.35);
    expect(rightShare).toBeLessThan(0.65);
  });

  it("quotes others right and wrong, and the wrong ones are wrong", () => {
    const rng = createXoshiro128Rng(1);
    for (const q of generateArithmetic("train", 3, 300, 9)) {
      const o = q.text.match(/\d+/g)!.map(Number) as unknown as Operands;
      expect(extractAnswer(compactSolution(o)).answer).toBe(q.gold);
      expect(extractAnswer(wrongSolution(o, rng)).answer).not.toBe(q.gold);
    }
    expect(criticPrompt(["A", "B"], "1+2*3+4-5*6")).toBe(
      renderPrompt("arithmetic", "critic", { question: "1+2*3+4-5*6", other_responses: "\n- A\n- B" }),
    );
  });

  it("fits in the tokens budget: one token per character of the compact steps", () => {
    const c = buildCorpus({ ...spec, generatorChats: 50, criticChats: 0 })[0]!;
    const { tokens, lossMask } = tokenizeChat(c.messages);
    expect(tokens.length).toBeLessThan(120);
    expect(lossMask.reduce((a, b) => a + b, 0)).toBe(c.messages[1]!.content.length + 1);
    expect(renderChat(c.messages)).toContain("<|im_start|>assistant\n");
  });
});

describe("tiny corpus with a lab world: solution orders, the knowledge gap, critic targets", () => {
  const orders = { "products-first": 2, "minus-first": 1, difference: 1 } as const;
  const spec2 = {
    seed: 3,
    maxValue: 5,
    generatorChats: 2000,
    criticChats: 1500,
    world: { orders, rare: { value: 5, keep: 0.1 }, otherCounts: [0, 0.2, 0.7, 0.05, 0.05] },
  };
  const corpus = buildCorpus(spec2);

  it("writes every order at its share", () => {
    const counts = new Map<string, number>();
    for (const c of corpus.filter((x) => x.kind === "generator")) {
      const o = orderOf(c.messages[1]!.content, operandsOf({ text: c.question }));
      if (o) counts.set(o, (counts.get(o) ?? 0) + 1);
    }
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    expect(counts.get("products-first")! / total).toBeGreaterThan(0.42);
    expect(counts.get("products-first")! / total).toBeLessThan(0.58);
    expect(counts.get("minus-first")! / total).toBeGreaterThan(0.18);
    expect(counts.get("difference")! / total).toBeGreaterThan(0.18);
  });

  it("keeps few questions multiplying by the rare operand (the gap the task's uniform questions expose)", () => {
    const withRare = (q: string) => {
      const [, b, c, , e, f] = operandsOf({ text: q });
      return [b, c, e, f].includes(5);
    };
    const share = corpus.filter((c) => withRare(c.question)).length / corpus.length;
    const natural = generateArithmetic("train", 3, 2000, 5).filter((q) => withRare(q.text)).length / 2000;
    expect(natural).toBeGreaterThan(0.4);
    expect(share).toBeLessThan(natural / 4);
    expect(share).toBeGreaterThan(0);
  });

  it("a critic keeps its right answer, else adopts a right quoted one as written, else repairs its own chain", () => {
    let kept = 0,
      adopted = 0,
      repaired = 0;
    for (const { c, first, ask, target } of criticTurns(corpus)) {
      const o = operandsOf({ text: c.question });
      expect(extractAnswer(target.content).answer).toBe(c.gold);
      const quoted = ask.content
        .split("\n- ")
        .slice(1)
        .map((x) => x.split("\n")[0]!);
      if (first.weight !== 0) {
        expect(target.content).toBe(first.content);
        kept++;
        continue;
      }
      const rightQuotes = quoted.filter((x) => extractAnswer(x).answer === c.gold);
      if (rightQuotes.length) {
        expect(rightQuotes).toContain(target.content);
        adopted++;
        continue;
      }
      expect(orderOf(target.content, o) ?? orderOf(first.content, o)).toBe(orderOf(first.content, o) ?? orderOf(target.content, o));
      repaired++;
    }
    for (const n of [kept, adopted, repaired]) expect(n).toBeGreaterThan(50);
  });

  it("tagged: every solution in a chat, quoted or written, opens with its order's tag", () => {
    const tagged = buildCorpus({ ...spec2, generatorChats: 200, criticChats: 200, world: { ...spec2.world, tagged: true } });
    const tag = /^[ABC]\) /;
    for (const c of tagged) {
      for (const m of c.messages.filter((x) => x.role === "assistant")) expect(m.content, m.content).toMatch(tag);
      if (c.kind === "critic") for (const x of c.messages[2]!.content.split("\n- ").slice(1)) expect(x).toMatch(tag);
    }
  });
});

describe("tiny corpus with the shortcut world: hasty estimates at a share, critics that re-solve", () => {
  const world = {
    orders: { "products-first": 1, difference: 1, "minus-first": 1 },
    tagged: true,
    shortcut: { share: 0.34, spread: 5 },
  } as const;
  const corpus = buildCorpus({ seed: 5, maxValue: 3, generatorChats: 1500, criticChats: 1000, world });
  const isShortcut = (text: string) => /^\\boxed\{-?\d+\}$/.test(text);

  it("generators take the shortcut at its share, and a shortcut is off by 1..spread, never right", () => {
    const gens = corpus.filter((c) => c.kind === "generator");
    const cuts = gens.filter((c) => isShortcut(c.messages[1]!.content));
    expect(cuts.length / gens.length).toBeGreaterThan(0.3);
    expect(cuts.length / gens.length).toBeLessThan(0.38);
    for (const c of cuts) {
      const off = Math.abs(Number(extractAnswer(c.messages[1]!.content).answer) - Number(c.gold));
      expect(off).toBeGreaterThanOrEqual(1);
      expect(off).toBeLessThanOrEqual(5);
    }
    // Every other answer is a right chain in a tagged order, and each order is more rare than the shortcut.
    const chains = gens.filter((c) => !isShortcut(c.messages[1]!.content));
    for (const c of chains) expect(extractAnswer(c.messages[1]!.content).answer).toBe(c.gold);
    for (const tag of ["A)", "B)", "C)"]) {
      const n = chains.filter((c) => c.messages[1]!.content.startsWith(`${tag} `)).length;
      expect(n).toBeLessThan(cuts.length);
      expect(n).toBeGreaterThan(cuts.length / 2);
    }
  });

  it("a critic re-solves with a right chain, in its own order when it worked one, and shortcuts are quoted to it", () => {
    let afterCut = 0,
      quotedCuts = 0;
    for (const { c, first, ask, target } of criticTurns(corpus)) {
      expect(extractAnswer(target.content).answer).toBe(c.gold);
      expect(isShortcut(target.content)).toBe(false);
      if (isShortcut(first.content)) {
        afterCut++;
        expect(first.weight).toBe(0);
      } else {
        expect(target.content.slice(0, 3)).toBe(first.content.slice(0, 3));
        expect(first.weight === 0).toBe(extractAnswer(first.content).answer !== c.gold);
      }
      quotedCuts += ask.content.split("\n- ").filter((x) => isShortcut(x.split("\n")[0]!)).length;
    }
    expect(afterCut).toBeGreaterThan(250);
    expect(quotedCuts).toBeGreaterThan(400);
  });
});
