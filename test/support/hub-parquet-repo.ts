/**
 * A data set repository laid out as the Hub lays out Parquet data sets: per config a folder, in it one
 * `<split>-00000-of-00001.parquet` file (stored with LFS) per split, and the card's `configs` naming them.
 */
import type { HubFile, HubRepo } from "./loopback-hub.js";

export function hubParquetRepo(
  repo: string,
  configs: Record<string, { dir: string; splits: Record<string, Buffer> }>,
  extraFiles: HubFile[] = [],
): HubRepo {
  const entries = Object.entries(configs);
  return {
    repo,
    cardData: {
      configs: entries.map(([config_name, { dir, splits }]) => ({
        config_name,
        data_files: Object.keys(splits).map((split) => ({ split, path: `${dir}/${split}-*` })),
      })),
    },
    files: [
      ...extraFiles,
      ...entries.flatMap(([, { dir, splits }]) =>
        Object.entries(splits).map(([split, content]) => ({ path: `${dir}/${split}-00000-of-00001.parquet`, content, lfs: true })),
      ),
    ],
  };
}
