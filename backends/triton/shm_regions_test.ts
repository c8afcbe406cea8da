import assert from "node:assert/strict";
import type { TensorData } from "../../core/backend.ts";
import { encodeStringElements } from "../../wire/kserve/bytes_tensor.ts";
import { OutputDecodeError } from "../shared/output_tensor.ts";
import { ShmRegions, type ShmRegistrar } from "./shm_regions.ts";

function recorder(fail = "") {
  const calls: string[] = [];
  const registrar: ShmRegistrar = {
    register(name, key, size) {
      calls.push(`register ${name} ${key} ${size}`);
      return fail === "" ? Promise.resolve() : Promise.reject(new Error(fail));
    },
    unregister(name) {
      calls.push(`unregister ${name}`);
      return Promise.resolve();
    },
  };
  return { calls, registrar };
}

const tensor = (name: string, bytes: number[]): TensorData => ({
  name,
  datatype: "INT32",
  shape: [1, bytes.length / 4],
  bytes: new Uint8Array(bytes),
});

Deno.test("one region per input set: inputs written once, windows, register once, release", async () => {
  const { calls, registrar } = recorder();
  const shm = new ShmRegions(registrar, 16);
  const inputs = [tensor("A", [1, 0, 0, 0]), tensor("B", [2, 0, 0, 0, 3, 0, 0, 0])];
  const layout = shm.layout(inputs, ["X", "Y"], 2);
  assert.equal(shm.layout(inputs, ["X", "Y"], 2), layout, "the same inputs reuse the region");
  assert.deepEqual(layout.inputs, [{ offset: 0, byteSize: 4 }, { offset: 4, byteSize: 8 }]);
  // Each output window is the size times the batch.
  assert.deepEqual([...layout.outputs], [["X", { offset: 12, byteSize: 32 }], ["Y", {
    offset: 44,
    byteSize: 32,
  }]]);
  const file = Deno.readFileSync(layout.path);
  assert.equal(file.length, 76);
  assert.deepEqual([...file.subarray(0, 12)], [1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]);
  await Promise.all([shm.ensureRegistered(), shm.ensureRegistered()]);
  await shm.ensureRegistered();
  assert.deepEqual(calls, [`register ${layout.name} /${layout.name} 76`]);
  assert.ok(layout.name.startsWith(`pa_${Deno.pid}_`));

  // What a server would write into X: three INT32s.
  using f = Deno.openSync(layout.path, { write: true });
  f.seekSync(12, Deno.SeekMode.Start);
  f.writeSync(new Uint8Array(new Int32Array([7, 8, 9]).buffer));
  const x = layout.readOutput("X", "INT32", [1, 3]);
  assert.deepEqual([...new Int32Array(x.slice().buffer)], [7, 8, 9]);
  assert.throws(() => layout.readOutput("X", "INT32", [1, 9]), OutputDecodeError);
  assert.throws(() => layout.readOutput("Z", "INT32", [1]), /not requested in shared memory/);

  await shm.release();
  assert.deepEqual(calls.slice(1), [`unregister ${layout.name}`]);
  assert.throws(() => Deno.statSync(layout.path), Deno.errors.NotFound);
  assert.throws(() => shm.layout([], [], 1), /after the backend was closed/);
});

Deno.test("a region created while another registers is registered by its own first send", async () => {
  const pending: (() => void)[] = [];
  const names: string[] = [];
  const shm = new ShmRegions({
    register(name) {
      names.push(name);
      return new Promise<void>((resolve) => pending.push(resolve));
    },
    unregister: () => Promise.resolve(),
  }, 8);
  const a = shm.layout([tensor("A", [1, 0, 0, 0])], ["X"], 1);
  try {
    const first = shm.register(a);
    const b = shm.layout([tensor("A", [2, 0, 0, 0])], ["X"], 1);
    const second = shm.register(b);
    assert.equal(shm.register(a), first, "one registration per region");
    assert.deepEqual(names, [a.name, b.name]);
    for (const resolve of pending) resolve();
    await Promise.all([first, second]);
    assert.deepEqual([a.registered, b.registered], [true, true]);
  } finally {
    await shm.release();
  }
  // After close, nothing registers again (a late send cannot undo the cleanup).
  a.registration = undefined;
  await assert.rejects(shm.register(a), /after the backend was closed/);
});

Deno.test("BYTES outputs are read as many elements as the shape has", async () => {
  const shm = new ShmRegions(recorder().registrar, 64);
  const layout = shm.layout([], ["S"], 1);
  try {
    const blob = encodeStringElements(["ab", "cde"]);
    using f = Deno.openSync(layout.path, { write: true });
    f.writeSync(blob);
    assert.deepEqual(layout.readOutput("S", "BYTES", [2]), blob);
    // Zeros after the data read as empty elements; a count beyond the window is an error.
    assert.throws(() => layout.readOutput("S", "BYTES", [100]), /do not fit/);
  } finally {
    await shm.release();
  }
});

Deno.test("a refused registration is the run's error; nothing is unregistered, files removed", async () => {
  const { calls, registrar } = recorder("region refused");
  const shm = new ShmRegions(registrar, 8);
  const layout = shm.layout([tensor("A", [1, 2, 3, 4])], ["X"], 1);
  await assert.rejects(shm.ensureRegistered(), /region refused/);
  assert.equal(layout.registered, false);
  await shm.release();
  assert.deepEqual(calls, [`register ${layout.name} /${layout.name} 12`]);
  assert.throws(() => Deno.statSync(layout.path), Deno.errors.NotFound);
});

Deno.test("a process that exits without closing the backend still removes its regions", async () => {
  const script = `
    import { ShmRegions } from ${JSON.stringify(new URL("./shm_regions.ts", import.meta.url).href)};
    const shm = new ShmRegions({ register: async () => {}, unregister: async () => {} }, 8);
    console.log(shm.layout([], ["X"], 1).path);
    Deno.exit(0);
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const path = new TextDecoder().decode(out.stdout).trim();
  assert.match(path, /^\/dev\/shm\/pa_\d+_/);
  assert.throws(() => Deno.statSync(path), Deno.errors.NotFound);
});
