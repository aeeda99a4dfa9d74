import type { CommandModule } from "yargs";

/**
 * A command that only holds subcommands (`society tasks list`, `society adapter export`, …): it runs
 * nothing itself, and without a subcommand it is a usage error listing them.
 */
export function commandGroup(name: string, describe: string, subcommands: CommandModule<{}, any>[]): CommandModule {
  const names = subcommands.map((c) => String(c.command).split(" ")[0]!);
  const listed = names.length > 1 ? `${names.slice(0, -1).join(", ")} or ${names.at(-1)}` : names.join("");
  return {
    command: name,
    describe,
    builder: (y) => subcommands.reduce((g, c) => g.command(c), y).demandCommand(1, `Name a subcommand: ${listed}.`),
    handler: () => {},
  };
}
