import { expect, it } from "vitest";
import { cosineDistance } from "../../src/metrics/embedding.js";
import { FakeEmbedder } from "../../src/metrics/fake-embedder.js";

it("FakeEmbedder: unit vectors, equal for equal texts, closer for shared wording", async () => {
  const e = new FakeEmbedder(32);
  const a = await e.embed("the answer is 12");
  expect(a).toHaveLength(32);
  expect(Math.hypot(...a)).toBeCloseTo(1, 12);
  expect(await e.embed("the answer is 12")).toEqual(a);
  const near = cosineDistance(a, await e.embed("the answer is 13"));
  const far = cosineDistance(a, await e.embed("qxz vvk plm"));
  expect(near).toBeGreaterThan(0);
  expect(near).toBeLessThan(far);
  expect(Math.hypot(...(await e.embed("")))).toBeCloseTo(1, 12);
  expect(e.embedded).toHaveLength(5);
});
