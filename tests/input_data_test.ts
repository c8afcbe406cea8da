/**
 * End-to-end: --input-data files against the reference server. The server computes `simple`
 * (sum and difference) and echoes `echo_all`, so validation data that passes proves the bytes
 * on the wire were the file's, and one wrong element proves a mismatch is found and named.
 */
import assert from "node:assert/strict";
import { numberAfter, runCli, withServer, withTempDir } from "./cli_harness.ts";

const A = Array.from({ length: 16 }, (_, i) => i);
const B = Array.from({ length: 16 }, (_, i) => 2 * i + 1);

function simpleEntry(a: number[], b: number[]) {
  return { INPUT0: a, INPUT1: b };
}

function simpleExpected(a: number[], b: number[]) {
  return { OUTPUT0: a.map((x, i) => x + b[i]), OUTPUT1: a.map((x, i) => x - b[i]) };
}

async function writeJson(dir: string, name: string, value: unknown): Promise<string> {
  const path = `${dir}/${name}`;
  await Deno.writeTextFile(path, JSON.stringify(value));
  return path;
}

const withDir = (fn: (dir: string) => Promise<void>) => withTempDir("pa_input_data_", fn);

function twoEntries(wrong: boolean) {
  const bad = simpleExpected(B, A);
  if (wrong) bad.OUTPUT1[5] += 1;
  return {
    data: [simpleEntry(A, B), simpleEntry(B, A)],
    validation_data: [simpleExpected(A, B), bad],
  };
}

Deno.test("JSON data with matching validation data: every request checked, all pass", async () => {
  await withDir(async (dir) => {
    const file = await writeJson(dir, "ok.json", twoEntries(false));
    await withServer({ grpcPort: 0 }, async (server) => {
      for (const target of [["-u", server.url], ["-u", server.grpcUrl!, "-i", "grpc"]]) {
        const r = await runCli([
          "-m",
          "simple",
          ...target,
          "--input-data",
          file,
          "--request-count",
          "20",
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(numberAfter(r.stdout, "    Request count: "), 20);
        assert.doesNotMatch(r.stdout, /Failed requests/);
      }
    });
  });
});

Deno.test("one wrong element: fail mode exits 99 naming tensor, element and entry", async () => {
  await withDir(async (dir) => {
    const file = await writeJson(dir, "bad.json", twoEntries(true));
    await withServer({}, async (server) => {
      const args = ["-m", "simple", "-u", server.url, "--input-data", file];
      const fail = await runCli([...args, "--request-count", "20"]);
      assert.equal(fail.code, 99, fail.stdout + fail.stderr);
      const line = fail.stderr.trim().split("\n").at(-1)!;
      assert.match(line, /^error: Output doesn't match expected output/);
      assert.match(line, /OUTPUT1/);
      assert.match(line, /element 5/);
      assert.match(line, /data entry 1\)$/);
      // Count mode: entries alternate, so exactly half of 20 requests mismatch.
      const count = await runCli([...args, "--request-count", "20", "--validation-mode", "count"]);
      assert.equal(count.code, 0, count.stderr);
      assert.equal(numberAfter(count.stdout, "    Request count: "), 10);
      assert.equal(numberAfter(count.stdout, "    Failed requests: "), 10);
    });
  });
});

Deno.test("-b 2 concatenates consecutive entries; the server counts 2 inferences each", async () => {
  await withDir(async (dir) => {
    const file = await writeJson(dir, "ok.json", twoEntries(false));
    await withServer({}, async (server) => {
      const r = await runCli([
        "-m",
        "simple",
        "-u",
        server.url,
        "--input-data",
        file,
        "-b",
        "2",
        "--request-count",
        "15",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const truth = await server.groundTruth("simple");
      assert.equal(truth.successCount, 15);
      assert.equal(truth.inferenceCount, 30);
    });
  });
});

Deno.test("a directory of raw input files, with an output file to validate against", async () => {
  await withDir(async (dir) => {
    const int32 = (v: number[]) => new Uint8Array(Int32Array.from(v).buffer);
    await Deno.writeFile(`${dir}/INPUT0`, int32(A));
    await Deno.writeFile(`${dir}/INPUT1`, int32(B));
    await Deno.writeFile(`${dir}/OUTPUT0`, int32(simpleExpected(A, B).OUTPUT0));
    await withServer({}, async (server) => {
      const args = ["-m", "simple", "-u", server.url, "--input-data", dir];
      const r = await runCli([...args, "--request-count", "10"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(numberAfter(r.stdout, "    Request count: "), 10);
      await Deno.writeFile(`${dir}/OUTPUT0`, int32(simpleExpected(A, A).OUTPUT0));
      const bad = await runCli([...args, "--request-count", "10"]);
      assert.equal(bad.code, 99);
      assert.match(bad.stderr, /Output doesn't match expected output.*OUTPUT0/);
    });
  });
});

Deno.test("malformed data files: exit 99 with one line naming file and problem", async () => {
  await withDir(async (dir) => {
    const short = await writeJson(dir, "short.json", { data: [{ INPUT0: A, INPUT1: [1, 2] }] });
    const broken = `${dir}/broken.json`;
    await Deno.writeTextFile(broken, '{"data": [\n  {"INPUT0": [1,,2]}\n]}');
    await withServer({}, async (server) => {
      for (const [file, pattern] of [[short, /INPUT1/], [broken, /line 2/]] as const) {
        const r = await runCli(["-m", "simple", "-u", server.url, "--input-data", file]);
        assert.equal(r.code, 99, r.stdout);
        const lines = r.stderr.trim().split("\n");
        assert.equal(lines.length, 1, r.stderr);
        assert.ok(lines[0].includes(file), lines[0]);
        assert.match(lines[0], pattern);
        assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
      }
    });
  });
});
