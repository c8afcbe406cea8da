import assert from "node:assert/strict";
import { parseProcStatCpuSeconds, parseProcStatus, readProc, traceProcess } from "./bench_proc.ts";

const STATUS = [
  "Name:\tdeno",
  "State:\tS (sleeping)",
  "VmPeak:\t 3418216 kB",
  "VmHWM:\t  151892 kB",
  "VmRSS:\t  120832 kB",
  "RssAnon:\t   90000 kB",
  "",
].join("\n");

Deno.test("parseProcStatus reads VmRSS and VmHWM in MB, not VmPeak or RssAnon", () => {
  assert.deepEqual(parseProcStatus(STATUS), { rssMb: 118, hwmMb: 148.33203125 });
});

Deno.test("parseProcStatus throws for a zombie, whose status has no memory lines", () => {
  assert.throws(
    () => parseProcStatus("Name:\tdeno\nState:\tZ (zombie)\n"),
    /no VmRSS in \/proc status text/,
  );
});

Deno.test("parseProcStatCpuSeconds adds utime and stime past a command name with ') '", () => {
  // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
  const stat = "4242 (a) b (c) S 1 4242 4242 0 -1 4194560 900 0 0 0 1234 567 3 4 20 0 9 0 77";
  assert.equal(parseProcStatCpuSeconds(stat), 18.01);
  assert.throws(() => parseProcStatCpuSeconds("garbage"), /unexpected \/proc stat text/);
});

Deno.test("readProc reads this process and gives undefined for one that is gone", async () => {
  const self = await readProc(Deno.pid);
  assert.ok(self !== undefined);
  assert.ok(self.rssMb > 10 && self.hwmMb >= self.rssMb, JSON.stringify(self));
  assert.ok(self.cpuS > 0);
  const child = new Deno.Command("true", { stdout: "null", stderr: "null" }).spawn();
  await child.status;
  assert.equal(await readProc(child.pid), undefined);
});

Deno.test("traceProcess samples a child once per period until it exits", async () => {
  const child = new Deno.Command("sleep", { args: ["0.65"], stdout: "null" }).spawn();
  const trace = await traceProcess(child.pid, child.status, 100, 20);
  // 0.65 s at one sample per 100 ms: six, give or take scheduling.
  assert.ok(
    trace.rssSeriesMb.length >= 4 && trace.rssSeriesMb.length <= 7,
    `${trace.rssSeriesMb.length} samples`,
  );
  assert.ok(trace.polls >= trace.rssSeriesMb.length);
  assert.ok(trace.rssSeriesMb.every((x) => x > 0 && x <= trace.hwmMb));
});
