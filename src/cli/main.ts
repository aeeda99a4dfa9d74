import yargs from "yargs";
import { isUserError } from "../errors.js";
import { loadCommands } from "./commands/index.js";

/** Parses argv, runs one command, and returns the process exit code (0 ok, 1 user error, 2 internal error). */
export async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes("--verbose");
  let failure: { message: string; error?: unknown } | undefined;
  const cli = yargs(argv)
    .scriptName("society")
    .usage("$0 <command> [options]\n\nTrain a society of language models that debate, then learn from their own transcripts.")
    .option("verbose", { type: "boolean", default: false, describe: "Show stack traces and debug output" })
    .option("db", { type: "string", describe: "Run store: a SQLite file path or postgres://… URL (default runs/society.db, or $SOCIETY_DB_URL)" })
    .strict()
    .demandCommand(1, "Name a command; see --help.")
    .recommendCommands()
    .wrap(Math.min(120, process.stdout.columns || 120))
    .help()
    .alias("h", "help")
    .version()
    .fail((msg, err) => {
      failure = { message: msg ?? err?.message ?? "unknown error", error: err };
    });
  for (const cmd of await loadCommands()) cli.command(cmd);
  try {
    await cli.parseAsync();
  } catch (err) {
    failure = { message: (err as Error)?.message ?? String(err), error: err };
  }
  if (!failure) return 0;
  const { message, error } = failure;
  if (error && !isUserError(error) && !(error as any)?.name?.startsWith?.("YError")) {
    process.stderr.write(`society: internal error: ${message}\n`);
    if (verbose) process.stderr.write(`${(error as Error).stack}\n`);
    else process.stderr.write("(run again with --verbose for the stack trace)\n");
    return 2;
  }
  process.stderr.write(`society: ${message}\n`);
  if (verbose && error) process.stderr.write(`${(error as Error).stack}\n`);
  return 1;
}
