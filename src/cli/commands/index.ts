import type { CommandModule } from "yargs";

/** Every CLI command, one module per file; main.ts registers them in this order. */
export async function loadCommands(): Promise<CommandModule<any, any>[]> {
  const mods = await Promise.all([
    import("./tasks.js"),
    import("./data.js"),
    import("./run.js"),
    import("./config.js"),
    import("./runs.js"),
    import("./report.js"),
    import("./export.js"),
    import("./graph.js"),
    import("./model.js"),
    import("./eval.js"),
    import("./train.js"),
    import("./adapter.js"),
    import("./serve.js"),
    import("./worker.js"),
  ]);
  return mods.map((m) => m.default as CommandModule<any, any>);
}
