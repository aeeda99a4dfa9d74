/** What a streamed reply may send before the reply is complete (pure logic over decoded text). */
import { describe, expect, it } from "vitest";
import { streamablePrefix } from "../../../src/backends/llama/text-stream.js";

describe("streamablePrefix", () => {
  it("sends everything when there are no stop strings, except an unfinished multi-byte character", () => {
    expect(streamablePrefix("The answer", [])).toBe("The answer");
    expect(streamablePrefix("caf\uFFFD", [])).toBe("caf");
  });

  it("holds back a tail that could still become a stop string", () => {
    expect(streamablePrefix("2+3=5 <|e", ["<|end|>"])).toBe("2+3=5 ");
    expect(streamablePrefix("2+3=5 <", ["<|end|>", "##"])).toBe("2+3=5 ");
    expect(streamablePrefix("2+3=5 #", ["<|end|>", "##"])).toBe("2+3=5 ");
    expect(streamablePrefix("a<b", ["<|end|>"])).toBe("a<b"); // "<b" can no longer become "<|end|>"
  });

  it("cuts at the first complete stop string, whichever stop it is", () => {
    expect(streamablePrefix("x=1##y<|end|>", ["<|end|>", "##"])).toBe("x=1");
    expect(streamablePrefix("x<|end|>y##", ["##", "<|end|>"])).toBe("x");
  });

  it("every prefix of a reply streams a prefix of the final text", () => {
    const stops = ["\\n\\n", "STOP"];
    const reply = "7*8=56. So\\n the answer is \\boxed{56}.ST\\n\\nmore STOP";
    const final = reply.slice(0, reply.indexOf("\\n\\n"));
    let sent = "";
    for (let i = 1; i <= reply.length; i++) {
      const s = streamablePrefix(reply.slice(0, i), stops);
      expect(final.startsWith(s), reply.slice(0, i)).toBe(true);
      expect(s.length).toBeGreaterThanOrEqual(sent.length);
      sent = s;
    }
    expect(sent).toBe(final);
  });
});
