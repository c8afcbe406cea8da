/**
 * A channel in --shared-memory system mode. connect() registers every region prepared so far;
 * requests prepared later (sequence steps are prepared as they are sent) register theirs
 * before their first send, here. A failed registration fails that request, as data.
 */
import type { Channel, PreparedRequest } from "../../core/backend.ts";
import type { Clock } from "../../core/clock.ts";
import type { RequestRecord } from "../../core/measure/record.ts";
import { type ShmLayout, ShmRegions, type ShmRegistrar } from "./shm_regions.ts";
import { DEFAULT_OUTPUT_SHM_SIZE, type TritonOptions } from "./options.ts";

/** The regions a triton backend uses, or undefined when --shared-memory is none. */
export function shmRegionsFor(
  options: TritonOptions,
  registrar: ShmRegistrar,
): ShmRegions | undefined {
  if (options.sharedMemory === "none") return undefined;
  return new ShmRegions(registrar, options.outputSharedMemorySize ?? DEFAULT_OUTPUT_SHM_SIZE);
}

export class ShmChannel implements Channel {
  constructor(
    private readonly inner: Channel,
    private readonly regions: ShmRegions,
    private readonly clock: Clock,
  ) {}

  send(prepared: PreparedRequest, record: RequestRecord): Promise<void> {
    const layout = (prepared as { shm?: ShmLayout }).shm;
    if (layout === undefined || layout.registered) return this.inner.send(prepared, record);
    return this.#registerThenSend(layout, prepared, record);
  }

  async #registerThenSend(
    layout: ShmLayout,
    prepared: PreparedRequest,
    record: RequestRecord,
  ): Promise<void> {
    try {
      await this.regions.register(layout);
    } catch (e) {
      record.fail("server_error", (e as Error).message, this.clock.nowNs());
      return;
    }
    await this.inner.send(prepared, record);
  }

  close(): void {
    this.inner.close();
  }
}
