/**
 * What a TorchServe prediction reply means to the shared HTTP channel: a handler's reply body
 * is its own business, so any 2xx is a success; an error status keeps TorchServe's
 * {"message"} text.
 */
import { errorBodyText, type HttpReplies, isSuccess } from "../net/http_channel.ts";
import { PreparedPrediction } from "./request.ts";

/** TorchServe's {"code", "type", "message"} as "type: message", else a body excerpt. */
export function torchServeErrorText(status: number, text: string): string {
  try {
    const json = JSON.parse(text) as { type?: unknown; message?: unknown };
    if (typeof json.message === "string") {
      return typeof json.type === "string" ? `${json.type}: ${json.message}` : json.message;
    }
  } catch { /* not JSON: fall through to the excerpt */ }
  const excerpt = text.trim().slice(0, 200);
  return excerpt === "" ? `HTTP ${status}` : `HTTP ${status}: ${excerpt}`;
}

export const TORCHSERVE_REPLIES: HttpReplies<PreparedPrediction> = {
  backend: "torchserve",
  prepared: PreparedPrediction,
  ok: isSuccess,
  errorText: (res) => torchServeErrorText(res.head.status, errorBodyText(res)),
};
