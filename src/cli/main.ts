import yargs from "yargs";
import { isUserError, UsageError } from "../errors.js";
import { loadCommands } from "./commands/index.js";
import { exitCodeAfterInterrupt, installInterruptHandlers } from "./interrupt.js";

/** Parses argv, runs one command, and returns the process exit code (0 ok, 1 user error, 2 internal error). */
export async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes("--verbose");
  let failure: { message: string; error?: unknown } | undefined;
  const commands = await loadCommands();
  const names = commands.map((c) => String(c.command).split(" ")[0]!);
  const named = argv.find((a) => !a.startsWith("-"));
  const current = commands.find((c) => String(c.command).split(" ")[0] === named);
  const cli = yargs(argv)
    .scriptName("society")
    .usage("$0 <command> [options]\n\nTrain a society of language models that debate, then learn from their own transcripts.")
    .option("verbose", { type: "boolean", default: false, describe: "Show stack traces and debug output" })
    .option("db", {
      type: "string",
      describe: "Run store: a SQLite file path or postgres://… URL (default runs/society.db, or $SOCIETY_DB_URL)",
    })
    .strict()
    .demandCommand(1, "Name a command; see --help.")
    .recommendCommands()
    .wrap(Math.min(120, process.stdout.columns || 120))
    .help()
    .alias("h", "help")
    .version()
    // A number flag given a non-number reaches the handler as NaN: refuse it here, for every command.
    .check((args) => {
      for (const [key, value] of Object.entries(args)) {
        if (typeof value === "number" && Number.isNaN(value) && !/[A-Z]/.test(key)) {
          throw new UsageError(`--${key} wants a number, got ${JSON.stringify(rawValue(argv, key) ?? "")}`);
        }
      }
      return true;
    })
    // Throwing (not just recording) is what stops yargs: a custom fail handler that returns lets it go
    // on to run the command's handler, so a mistyped flag would still start the work.
    .fail((msg, err) => {
      throw err ?? new UsageError(usageMessage(msg ?? "invalid arguments", named, names, current?.command));
    });
  for (const cmd of commands) cli.command(cmd);
  const uninstall = installInterruptHandlers();
  try {
    await cli.parseAsync();
  } catch (err) {
    failure = { message: (err as Error)?.message ?? String(err), error: err };
  } finally {
    uninstall();
  }
  // A command that stopped cleanly at a signal (serve) succeeded; one the signal cut short did not.
  const interrupted = exitCodeAfterInterrupt();
  if (interrupted !== undefined && failure) {
    process.stderr.write(`society: ${failure?.message ?? "interrupted"}\n`);
    return interrupted;
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
  if (error instanceof UsageError || (error as any)?.name?.startsWith?.("YError")) {
    process.stderr.write(`(see society ${current ? `${named} ` : ""}--help)\n`);
  }
  if (verbose && error) process.stderr.write(`${(error as Error).stack}\n`);
  return 1;
}

/** yargs' parse messages, said the way a user needs them. */
function usageMessage(msg: string, named: string | undefined, names: string[], usage: string | readonly string[] | undefined): string {
  if (named && !names.includes(named)) {
    const guess = /^Did you mean (\S+)\?/.exec(msg);
    if (guess) return `unknown command "${named}"; did you mean ${guess[1]}?`;
    if (/^Unknown argument/.test(msg)) return `unknown command "${named}" (commands: ${names.join(", ")})`;
  }
  if (/^Not enough non-option arguments/.test(msg) && usage) return `${named}: missing argument; usage: society ${usage}`;
  // yargs names each unknown flag twice (as typed and camel-cased).
  const unknown = /^Unknown arguments?: (.*)$/.exec(msg);
  if (unknown) {
    const flags = unknown[1]!
      .split(", ")
      .filter((f, _, all) => !/[A-Z]/.test(f) || !all.includes(f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)));
    return `unknown option${flags.length > 1 ? "s" : ""} ${flags.map((f) => (f.length > 1 ? `--${f}` : `-${f}`)).join(", ")}`;
  }
  return msg;
}

/** The text given after `--key` / `--key=` on the command line (for error messages). */
function rawValue(argv: string[], key: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${key}`) return argv[i + 1];
    if (argv[i]!.startsWith(`--${key}=`)) return argv[i]!.slice(key.length + 3);
  }
  return undefined;
}
