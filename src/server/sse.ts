/**
 * Server-sent events in OpenAI's streaming format: `data: <chunk json>` per event, `data: [DONE]` at the
 * end, and an error mid-stream as `data: {"error": …}` (the SDKs raise it). Writes are serialized so
 * concurrently generated choices never interleave within an event.
 */
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import { errorBody } from "./api-error.js";

export interface SseWriter {
  /** Queues one event (a JSON object); order is kept. */
  send(obj: unknown): void;
}

export function sseResponse(c: Context, produce: (out: SseWriter) => Promise<void>): Response {
  return streamSSE(c, async (stream) => {
    let chain: Promise<unknown> = Promise.resolve();
    const out: SseWriter = {
      send: (obj) => {
        chain = chain.then(() => stream.writeSSE({ data: JSON.stringify(obj) }));
      },
    };
    try {
      await produce(out);
    } catch (e) {
      out.send(errorBody({ message: (e as Error).message, type: "server_error" }));
    }
    await chain;
    await stream.writeSSE({ data: "[DONE]" });
  });
}
