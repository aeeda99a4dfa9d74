/** Remote fine-tuning through an OpenAI-compatible API (OpenAI, `society serve`): the Trainer contract over jobs. */
export { OpenAITrainer, openaiTrainer, type OpenAITrainerOptions } from "./trainer.js";
export { storeJobLedger, type JobLedger } from "./ledger.js";
export { requestKey, METADATA_KEY, type RemoteHyperparameters } from "./request-key.js";
export { EventReader, progressOf } from "./events.js";
