import { describe, expect, it } from "vitest";
import { StopAwareStream } from "../../src/server/text-stream.js";

/** Feeds a text one character at a time, as tokens would grow it, and returns what was sent. */
function run(full: string, stops: string[], final: string) {
  const sent: string[] = [];
  const s = new StopAwareStream(stops, (d) => sent.push(d));
  for (let i = 1; i <= full.length; i++) s.update(full.slice(0, i));
  const ok = s.finish(final);
  return { sent, ok, text: sent.join("") };
}

describe("StopAwareStream", () => {
  it("without stops sends everything as it grows", () => {
    const r = run("abc", [], "abc");
    expect(r.sent).toEqual(["a", "b", "c"]);
    expect(r.ok).toBe(true);
  });

  it("never sends a stop string or anything after it, even one completed by the last token", () => {
    for (const stop of ["ab", "xyz", "c"]) {
      const full = `hello ${stop}`;
      const r = run(full, [stop, "<|im_end|>"], "hello ");
      expect(r.text).toBe("hello ");
    }
  });

  it("releases held-back characters that turn out not to start a stop", () => {
    const sent: string[] = [];
    const s = new StopAwareStream(["END"], (d) => sent.push(d));
    s.update("aE");
    s.update("aEN");
    expect(sent.join("")).toBe("a"); // "EN" could still become END
    s.update("aENx");
    expect(sent.join("")).toBe("aE");
    expect(s.finish("aENx")).toBe(true);
    expect(sent.join("")).toBe("aENx");
  });

  it("holds back a trailing replacement character (half a UTF-8 sequence)", () => {
    const sent: string[] = [];
    const s = new StopAwareStream([], (d) => sent.push(d));
    s.update("a\uFFFD");
    expect(sent.join("")).toBe("a");
    s.update("aé");
    expect(sent.join("")).toBe("aé");
  });

  it("reports a final text that does not extend what was sent", () => {
    const s = new StopAwareStream([], () => {});
    s.update("abc");
    expect(s.finish("abd")).toBe(false);
  });
});
