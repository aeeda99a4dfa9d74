/** Multi-agent interaction graphs of stored debates (MAGDi §3.1): build, count, export. */
export * from "./graph.js";
export * from "./stats.js";
export { toGraphml } from "./graphml.js";
export { loadGraphs, type GraphFilter, type StoredGraph } from "./from-store.js";
