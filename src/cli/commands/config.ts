import type { CommandModule } from "yargs";
import { stringify } from "yaml";
import { loadConfig } from "../../config/load.js";

interface Args {
  action: "check" | "show";
  file: string;
}

/** `society config check|show <file>`: validate a run config, or print it with every default filled in. */
const command: CommandModule<{}, Args> = {
  command: "config <action> <file>",
  describe: "Validate a run config (check) or print it resolved with defaults (show)",
  builder: (y) =>
    y
      .positional("action", { choices: ["check", "show"] as const, demandOption: true })
      .positional("file", { type: "string", demandOption: true, describe: "YAML run config" }) as any,
  handler: (args) => {
    const config = loadConfig(args.file);
    if (args.action === "show") process.stdout.write(stringify(config));
    else
      process.stdout.write(
        `${args.file}: ok (${config.methods.join(", ")}; task ${config.task.name}; ${config.agents} agents × ${config.rounds} rounds × ${config.iterations} iterations)\n`,
      );
  },
};
export default command;
