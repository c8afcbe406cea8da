/**
 * TorchServe's request-body rules and error shape (docs/protocols.md §5.1): a multipart or
 * url-encoded form makes one handler input per field, anything else is one input named
 * "body"; errors are JSON {"code", "type", "message"}.
 */
import { ApiError } from "../kserve/http_error.ts";
import { readLimited } from "../kserve/body.ts";

/** TorchServe's error reply. */
export function torchServeError(code: number, type: string, message: string): Response {
  return new Response(JSON.stringify({ code, type, message }, null, 2), {
    status: code,
    headers: { "content-type": "application/json" },
  });
}

const FORM_TYPES = ["multipart/form-data", "application/x-www-form-urlencoded"];

/**
 * The bytes the simulated handler reads: form field "data" (what perf_analyzer's torchserve
 * client sends, `-F data=@file` in curl terms) or the whole raw body, of at most `limit` bytes
 * (a form is bounded by its Content-Length, which the router checks).
 */
export async function readTorchServeBody(req: Request, limit: number): Promise<Uint8Array> {
  const type = (req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (!FORM_TYPES.includes(type)) return await readLimited(req, limit);
  let form: FormData;
  try {
    form = await req.formData();
  } catch (e) {
    throw new ApiError(400, `malformed ${type} body: ${(e as Error).message}`);
  }
  const fields = [...form.keys()];
  const data = form.get("data");
  if (data === null) {
    throw new ApiError(
      400,
      `the form has no field 'data' (fields: ${fields.length ? fields.join(", ") : "none"})`,
    );
  }
  if (typeof data === "string") return new TextEncoder().encode(data);
  return new Uint8Array(await data.arrayBuffer());
}
