import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** Where the ggml/llama shared libraries live, and the file names of the three we bind. */
export interface GgmlLibFiles {
  dir: string;
  base: string; // libggml-base.so: tensors, graphs, gguf, allocators, ggml-opt
  ggml: string; // libggml.*.so: backend registry (loads the CPU/GPU backends of `dir`)
  llama: string; // libllama.*.so: only the training benchmark's reference path needs it
}

/** node-llama-cpp GPU kinds mapped to the prebuilt package that holds the matching ggml build. */
const PACKAGE_BY_GPU: Record<string, string> = {
  false: "linux-x64",
  cuda: "linux-x64-cuda",
  vulkan: "linux-x64-vulkan",
};

/**
 * Picks the library folder, most specific first:
 * 1. $SOCIETY_GGML_LIB_DIR;
 * 2. the folder of a libggml-base already mapped into this process (node-llama-cpp loaded it), so we share
 *    one ggml instance (one backend registry) with node-llama-cpp instead of loading a second copy;
 * 3. the prebuilt package for `gpu` (what node-llama-cpp's getLlama() reports), CPU otherwise.
 */
export function locateGgmlLibs(gpu: string | false = false): GgmlLibFiles {
  const fromEnv = process.env.SOCIETY_GGML_LIB_DIR;
  const dir = fromEnv ?? loadedLibDir() ?? prebuiltDir(gpu);
  if (!dir || !existsSync(join(dir, "libggml-base.so"))) {
    throw new Error(`ggml libraries not found (looked in ${dir ?? "node-llama-cpp's prebuilt packages"}); set SOCIETY_GGML_LIB_DIR`);
  }
  const files = readdirSync(dir);
  const pick = (re: RegExp, what: string) => {
    const f = files.find((n) => re.test(n));
    if (!f) throw new Error(`no ${what} library in ${dir}`);
    return join(dir, f);
  };
  return {
    dir,
    base: join(dir, "libggml-base.so"),
    ggml: pick(/^libggml\.(?:[a-z0-9]+\.)?v[\d.]+\.so$|^libggml\.so$/, "libggml"),
    llama: pick(/^libllama\.(?:[a-z0-9]+\.)?v[\d.]+\.so$|^libllama\.so$/, "libllama"),
  };
}

function loadedLibDir(): string | undefined {
  try {
    const maps = readFileSync("/proc/self/maps", "utf8");
    const line = maps.split("\n").find((l) => l.endsWith("/libggml-base.so"));
    return line ? dirname(line.slice(line.indexOf("/"))) : undefined;
  } catch {
    return undefined;
  }
}

/** Root folder of an installed package (its "exports" may hide package.json, so walk up from the entry point). */
export function packageRoot(name: string): string {
  let dir = dirname(createRequire(import.meta.url).resolve(name));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the root of package ${name}`);
    dir = up;
  }
  return dir;
}

function prebuiltDir(gpu: string | false): string | undefined {
  const pkg = PACKAGE_BY_GPU[String(gpu)] ?? PACKAGE_BY_GPU.false;
  for (const name of [pkg, PACKAGE_BY_GPU.false]) {
    try {
      const root = packageRoot(`@node-llama-cpp/${name}`);
      const bins = join(root, "bins");
      const sub = readdirSync(bins).find((d) => existsSync(join(bins, d, "libggml-base.so")));
      if (sub) return join(bins, sub);
    } catch {
      // package not installed for this platform: try the next one
    }
  }
  return undefined;
}
