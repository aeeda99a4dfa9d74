import { UserError } from "../../errors.js";

/**
 * The API key an OpenAI-compatible client sends: $apiKeyEnv (default OPENAI_API_KEY). Self-hosted endpoints
 * (a baseURL) often need none, and then get a placeholder, since the SDK wants a non-empty string.
 */
export function openaiApiKey(o: { env?: NodeJS.ProcessEnv; apiKeyEnv?: string; baseURL?: string }, who: string): string {
  const keyVar = o.apiKeyEnv ?? "OPENAI_API_KEY";
  const key = (o.env ?? process.env)[keyVar];
  if (!key && !o.baseURL) throw new UserError(`${who} needs an API key: set $${keyVar} (model.openai.api_key_env names the variable)`);
  return key || "no-key";
}
