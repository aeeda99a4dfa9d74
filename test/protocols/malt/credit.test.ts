import { describe, expect, it } from "vitest";
import { maltTree, sevenIsRight } from "../../support/malt-tree.js";
import { assignCredit, parentPath } from "../../../src/protocols/malt/credit.js";

const tree = maltTree;
const reward = sevenIsRight;

describe("MALT credit assignment", () => {
  it("leaves earn the binary reward, each node the mean of its children; correct means value > 0.5", () => {
    // Generator 0: verifiers with 3/3, 1/3, 0/3 right refinements; generator 1: all right; generator 2: none.
    const right = new Set(["0.0.0", "0.0.1", "0.0.2", "0.1.2", ...["1.0", "1.1", "1.2"].flatMap((v) => [0, 1, 2].map((k) => `${v}.${k}`))]);
    const t = assignCredit(
      "q",
      tree([3, 3, 3], (p) => (right.has(p) ? "7" : p === "2.2.2" ? null : "8")),
      reward,
    );
    const at = (p: string) => t.nodes.find((n) => n.node === p)!;
    expect(t.leaves).toHaveLength(27);
    expect(t.roots.map((r) => r.node)).toEqual(["0", "1", "2"]);
    expect(at("0.0").value).toBe(1);
    expect(at("0.1").value).toBeCloseTo(1 / 3, 12);
    expect(at("0.2").value).toBe(0);
    expect(at("0").value).toBeCloseTo((1 + 1 / 3 + 0) / 3, 12); // 4/9 < 0.5
    expect(at("0").correct).toBe(false);
    expect(at("0.0").correct).toBe(true);
    expect(at("0.1").correct).toBe(false);
    expect(at("1").value).toBe(1);
    expect(at("2").value).toBe(0);
    expect(at("2.2.2")).toMatchObject({ answer: null, value: 0, correct: false }); // unparsed earns nothing
    expect(at("0.1.2").parent).toBe(at("0.1"));
  });

  it("a node exactly at the threshold counts as incorrect; another threshold moves the labels", () => {
    const t = assignCredit(
      "q",
      tree([1, 1, 2], (p) => (p.endsWith(".0") ? "7" : "8")),
      reward,
    );
    expect(t.nodes.find((n) => n.node === "0.0")).toMatchObject({ value: 0.5, correct: false });
    const lenient = assignCredit(
      "q",
      tree([1, 1, 2], (p) => (p.endsWith(".0") ? "7" : "8")),
      reward,
      0.4,
    );
    expect(lenient.nodes.find((n) => n.node === "0.0")!.correct).toBe(true);
  });

  it("refuses an incomplete tree (a node without its parent)", () => {
    const nodes = tree([1, 1, 1], () => "7").filter((n) => n.node !== "0.0");
    expect(() => assignCredit("q", nodes, reward)).toThrow(/no parent 0.0/);
    expect(parentPath("0.2.1")).toBe("0.2");
    expect(parentPath("3")).toBeNull();
  });
});
