/** Local LoRA/full training of llama-family GGUF models on ggml (node-llama-cpp's own build, through koffi). */
export { ggmlTrainer, trainGgml } from "./trainer.js";
export { SUPPORTED_ARCHS } from "./model/hparams.js";
export { DEFAULT_LORA, DEFAULT_LORA_TARGETS, LORA_TARGETS, defaultOptim } from "../defaults.js";
export { ChatRenderer } from "./data/chat.js";
export { readChatJsonl } from "./data/jsonl.js";
export type * from "../types.js";
