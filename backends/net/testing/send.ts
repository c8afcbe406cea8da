/** Test helper for channel tests: one send of an already prepared request. */
import type { Channel, PreparedRequest } from "../../../core/backend.ts";
import { RequestRecord } from "../../../core/measure/record.ts";

/** The record of sending `prepared` once on `ch`, as the dispatcher would fill it. */
export async function sent(ch: Channel, prepared: PreparedRequest): Promise<RequestRecord> {
  const rec = new RequestRecord();
  rec.reset(0);
  await ch.send(prepared, rec);
  return rec;
}
