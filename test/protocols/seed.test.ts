import { describe, expect, it } from "vitest";
import { questionKey } from "../../src/protocols/seed.js";

describe("questionKey", () => {
  it("keys questions by task, split and the task's own id", () => {
    expect(questionKey({ task: "math", split: "test", id: "algebra/12" })).toBe("math:test:algebra/12");
  });
});
