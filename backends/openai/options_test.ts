import assert from "node:assert/strict";
import { UsageError } from "../../core/errors.ts";
import { startServer } from "../../server/mod.ts";
import { connectKernelTcp, kernelReactorIdle } from "../../wire/net/kernel_tcp.ts";
import { OpenAiBackend } from "./mod.ts";
import { receiveConnector, type ReceiveStamps } from "./options.ts";
import { openAiTestOptions } from "./testing/backend.ts";

const CAN = () => "";
const NO_FFI = () => "they need --allow-ffi (the sockets are opened through libc)";

Deno.test("auto takes kernel stamps where they can be had, else falls back to user", () => {
  assert.equal(receiveConnector("auto", false, CAN), connectKernelTcp);
  assert.equal(receiveConnector("auto", false, NO_FFI), undefined);
  assert.equal(receiveConnector("auto", true, CAN), undefined, "https runs on Deno's sockets");
});

Deno.test("user never asks whether kernel stamps are available", () => {
  assert.equal(
    receiveConnector("user", false, () => {
      throw new Error("asked");
    }),
    undefined,
  );
});

Deno.test("kernel where it cannot be had is a usage error naming why", () => {
  assert.equal(receiveConnector("kernel", false, CAN), connectKernelTcp);
  assert.throws(
    () => receiveConnector("kernel", false, NO_FFI),
    (e: unknown) =>
      e instanceof UsageError &&
      e.message === "--receive-timestamps kernel is unavailable here: " + NO_FFI(),
  );
  assert.throws(
    () => receiveConnector("kernel", true, CAN),
    (e: unknown) => e instanceof UsageError && /TLS \(https:\/\/\)/.test(e.message),
  );
});

Deno.test("without --allow-ffi the CLI refuses kernel stamps and runs with user ones", async () => {
  const main = new URL("../../main.ts", import.meta.url).pathname;
  const run = (mode: string) =>
    new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-env",
        "--allow-net=127.0.0.1:1",
        main,
        "--service-kind",
        "openai",
        "--endpoint",
        "v1/chat/completions",
        "-m",
        "m",
        "-u",
        "127.0.0.1:1",
        "--receive-timestamps",
        mode,
      ],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
  const kernel = await run("kernel");
  const text = new TextDecoder().decode(kernel.stderr) + new TextDecoder().decode(kernel.stdout);
  assert.match(text, /--receive-timestamps kernel is unavailable here: they need --allow-ffi/);
  // auto falls back: the run gets as far as the server (nothing listens on port 1).
  const auto = await run("auto");
  const autoText = new TextDecoder().decode(auto.stderr) + new TextDecoder().decode(auto.stdout);
  assert.doesNotMatch(autoText, /receive-timestamps/);
  assert.match(autoText, /Couldn't connect to server/);
});

Deno.test("the run's server line names the stamps used", async () => {
  const server = await startServer({ openai: { model: "m" } });
  const describe = async (receiveTimestamps: ReceiveStamps) => {
    const own = { payloadFromData: false, receiveTimestamps };
    const backend = new OpenAiBackend(openAiTestOptions(server.url, own), null);
    try {
      return (await backend.describe("m", "")).notes.join("\n");
    } finally {
      await backend.close();
    }
  };
  try {
    assert.match(await describe("kernel"), /reply times stamped by the kernel as bytes reach/);
    assert.match(await describe("user"), /reply times stamped by the client when it reads/);
  } finally {
    await server.close();
    await kernelReactorIdle();
  }
});
