/** `createOpenAIApp` on a loopback port, calling `onRequest` for every request it receives (to see which server answered). */
import { Hono } from "hono";
import { listen, type RunningServer } from "../../src/server/listen.js";
import { createOpenAIApp, type OpenAIAppOptions } from "../../src/server/openai-app.js";

export async function listenCounting(options: OpenAIAppOptions, onRequest: () => void): Promise<RunningServer> {
  const app = new Hono();
  app.use(async (_c, next) => {
    onRequest();
    await next();
  });
  app.route("/", createOpenAIApp(options));
  return listen(app);
}
