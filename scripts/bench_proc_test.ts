import assert from "node:assert/strict";
import {
  cpuShare,
  parseProcStatCpuSeconds,
  parseProcStatus,
  parseSchedstat,
  readProc,
  traceProcess,
} from "./bench_proc.ts";

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
  // This test's own thread has run; it is not this whole (multi-threaded) process's CPU.
  assert.ok(self.main.runS > 0 && self.main.runS <= self.cpuS + 0.01, JSON.stringify(self.main));
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
  assert.equal(trace.cpuSeries.length, trace.rssSeriesMb.length);
  const at = trace.cpuSeries.map((s) => s.atMs);
  assert.ok(at.every((ms, i) => ms >= 100 * (i + 1) && (i === 0 || ms > at[i - 1])), `${at}`);
});

Deno.test("parseSchedstat reads ns on a CPU and ns waiting for one", () => {
  assert.deepEqual(parseSchedstat("2500000000 125000000 9001\n"), { runS: 2.5, waitS: 0.125 });
  assert.throws(() => parseSchedstat("\n"), /unexpected \/proc schedstat text/);
});

Deno.test("cpuShare gives CPU % of one core from the second sample to the last", () => {
  const s = (atMs: number, cpuS: number, runS: number, waitS: number) => ({
    atMs,
    cpuS,
    main: { runS, waitS },
  });
  // The first sample (startup) is skipped: 4 s from 2000 ms to 6000 ms.
  const series = [
    s(1000, 3, 2, 1),
    s(2000, 4, 3, 1),
    s(4000, 6, 4, 1.5),
    s(6000, 8.5, 6.75, 2.25),
  ];
  assert.deepEqual(cpuShare(series), {
    seconds: 4,
    cpuPct: 112.5,
    mainRunPct: 93.75,
    mainWaitPct: 31.25,
  });
  assert.equal(cpuShare(series, 2).seconds, 2);
  const none = cpuShare(series.slice(0, 1));
  assert.ok(Number.isNaN(none.cpuPct) && Number.isNaN(none.mainWaitPct));
});
