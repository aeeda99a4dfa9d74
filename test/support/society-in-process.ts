/** The CLI's entry point in this process (cheaper than a child process), capturing what it prints. */
import { main } from "../../src/cli/main.js";

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Both streams, interleaved as printed. */
  out: string;
}

export async function societyInProcess(...args: string[]): Promise<InProcessResult> {
  let stdout = "";
  let stderr = "";
  let out = "";
  const write = { out: process.stdout.write, err: process.stderr.write };
  process.stdout.write = ((s: string) => ((stdout += s), (out += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((stderr += s), (out += s), true)) as typeof process.stderr.write;
  try {
    return { code: await main(args), stdout, stderr, out };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
}
