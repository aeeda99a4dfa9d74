import type { CommandModule } from "yargs";

// Placeholder until the tasks module lands; replaced by the tasks helper.
const command: CommandModule = {
  command: "tasks",
  describe: "List, show and check the reasoning tasks",
  builder: (y) => y.demandCommand(1),
  handler: () => {},
};
export default command;
