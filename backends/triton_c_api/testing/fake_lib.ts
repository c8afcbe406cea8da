/**
 * Test support for the triton_c_api backend: builds the C double (scripts/
 * build_fake_tritonserver.sh) into a temp dir once per test process, makes a model repository
 * with `simple`, and reads the double's own counters (its ground truth). With TRITON_SERVER_DIR
 * (and TRITON_MODEL_REPOSITORY, holding Triton's `simple` example) set, the same tests run
 * against a real libtritonserver.so; ground truth is then unavailable (undefined).
 */
import type { ModelStats } from "../../../core/backend.ts";

export interface CapiTarget {
  /** --triton-server-directory */
  dir: string;
  /** --model-repository */
  repo: string;
  /** True for the C double (its counters can be read). */
  fake: boolean;
}

/** Why the tests cannot run here ("" when they can). */
export let skipReason = "";

async function hasGcc(): Promise<boolean> {
  try {
    const out = await new Deno.Command(Deno.env.get("CC") ?? "gcc", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

let built: Promise<CapiTarget> | undefined;

async function buildDouble(): Promise<CapiTarget> {
  const root = await Deno.makeTempDir({ prefix: "pa_capi_" });
  // The temp dir goes when the test process ends (the libraries are unloaded by then).
  globalThis.addEventListener("unload", () => Deno.removeSync(root, { recursive: true }));
  const script = new URL("../../../scripts/build_fake_tritonserver.sh", import.meta.url).pathname;
  const out = await new Deno.Command("sh", { args: [script, root] }).output();
  if (!out.success) {
    throw new Error(`build_fake_tritonserver.sh failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
  const repo = `${root}/models`;
  await Deno.mkdir(`${repo}/simple/1`, { recursive: true });
  return { dir: root, repo, fake: true };
}

/** The target every test uses: a real Triton from the environment, or the built double. */
export function capiTarget(): Promise<CapiTarget> {
  const real = Deno.env.get("TRITON_SERVER_DIR");
  if (real) {
    const repo = Deno.env.get("TRITON_MODEL_REPOSITORY") ?? "";
    return Promise.resolve({ dir: real, repo, fake: false });
  }
  built ??= buildDouble();
  return built;
}

if (!Deno.env.get("TRITON_SERVER_DIR") && !(await hasGcc())) {
  skipReason = "gcc not found: cannot build the C API test double (install gcc to run these)";
}

const FIELDS = 15;

/**
 * Opens the double for the test's duration. The backend dlopens the same path, so both share
 * one copy of the library and its counters; keep this open until the counters are read.
 */
export function openGroundTruth(t: CapiTarget): { read(): ModelStats; close(): void } {
  const lib = Deno.dlopen(
    `${t.dir}/lib/libtritonserver.so`,
    {
      FAKE_TRITONSERVER_GroundTruth: { parameters: ["buffer"], result: "void" },
    } as const,
  );
  return {
    read(): ModelStats {
      const v = new BigUint64Array(FIELDS);
      lib.symbols.FAKE_TRITONSERVER_GroundTruth(v);
      // FakeStats order (native/capi/fake_tritonserver.h).
      const [inference, execution, , sc, sns, , , qc, qns, ic, ins, fc, fns, oc, ons] = [...v].map(
        Number,
      );
      return {
        inferenceCount: inference,
        executionCount: execution,
        successCount: sc,
        successNs: sns,
        queueCount: qc,
        queueNs: qns,
        computeInputCount: ic,
        computeInputNs: ins,
        computeInferCount: fc,
        computeInferNs: fns,
        computeOutputCount: oc,
        computeOutputNs: ons,
        cacheHitCount: 0,
        cacheHitNs: 0,
        cacheMissCount: 0,
        cacheMissNs: 0,
      };
    },
    close: () => lib.close(),
  };
}
