#!/usr/bin/python3
"""The Python yardstick of the LLM bench (scripts/bench_openai.ts): a streaming chat client on
asyncio + aiohttp, the technology the Python LLM benchmark tools are built on, reading the same
mock with the same concurrency and reporting the same numbers as our client
(scripts/bench_openai_client.ts).

One coroutine per stream sends the request, reads the SSE body line by line (events end at a
blank line; `data:` lines are joined), parses each event's JSON and notes when it sent the
request and when the first event carrying content arrived. Coroutine k sends `x-request-id: bench-k`, so its n-th request is the
n-th request with that id at the mock, whose ground truth says when it wrote the first token.

Protocol: argv[1] is the plan as JSON (url, streams, warmupS, durationS, baseMs, body,
keepFirstTokens); prints `window` when the measured window starts, `end` when it ends, then one
JSON line with the report. Times are ns since the epoch millisecond baseMs.
"""
import asyncio
import json
import sys
import time

import aiohttp

REQUEST_ID_PREFIX = "bench-"


class Run:
    """What every stream coroutine shares: the window flag and the counters."""

    def __init__(self, plan):
        self.plan = plan
        self.base_ns = plan["baseMs"] * 1_000_000
        self.stop = False
        self.in_window = False
        self.completed = 0
        self.events = 0
        self.token_events = 0
        self.failures = 0
        self.first_error = ""
        self.first_tokens = []

    def fail(self, why):
        self.failures += 1
        if not self.first_error:
            self.first_error = why


def bears_tokens(event):
    """True when a chat chunk carries output (content, reasoning or a tool call)."""
    for choice in event.get("choices") or ():
        delta = choice.get("delta") or {}
        if delta.get("content") or delta.get("reasoning_content") or delta.get("tool_calls"):
            return True
    return False


async def one_request(session, url, payload, headers, run):
    """Streams one reply; returns (events, token events, first token ns, sent ns) or raises."""
    events = 0
    token_events = 0
    first_ns = -1
    done = False
    data = []
    sent_ns = time.time_ns() - run.base_ns
    async with session.post(url, data=payload, headers=headers) as resp:
        if resp.status != 200:
            raise RuntimeError(f"HTTP {resp.status}: {(await resp.text())[:200]}")
        async for line in resp.content:
            now = time.time_ns()
            line = line.rstrip(b"\r\n")
            if line:
                if line.startswith(b"data:"):
                    value = line[5:]
                    data.append(value[1:] if value.startswith(b" ") else value)
                continue
            if not data:
                continue
            text = b"\n".join(data)
            data = []
            events += 1
            if text == b"[DONE]":
                done = True
                continue
            event = json.loads(text)
            if "error" in event:
                raise RuntimeError(f"error event in the stream: {event['error']}")
            if bears_tokens(event):
                token_events += 1
                if first_ns < 0:
                    first_ns = now - run.base_ns
    if not done:
        raise RuntimeError("stream ended without [DONE]")
    return events, token_events, first_ns, sent_ns


async def stream_loop(k, session, url, payload, run):
    headers = {
        "content-type": "application/json",
        "accept": "text/event-stream",
        "x-request-id": f"{REQUEST_ID_PREFIX}{k}",
    }
    nth = 0
    while not run.stop:
        try:
            events, token_events, first_ns, sent_ns = await one_request(
                session, url, payload, headers, run
            )
        except (aiohttp.ClientError, asyncio.TimeoutError, RuntimeError, ValueError) as e:
            run.fail(f"{type(e).__name__}: {e}")
            nth += 1
            continue
        if run.in_window:
            run.completed += 1
            run.events += events
            run.token_events += token_events
            if run.plan["keepFirstTokens"] and first_ns >= 0:
                run.first_tokens.append([k, nth, first_ns, sent_ns])
        nth += 1


def peak_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def main(plan):
    run = Run(plan)
    body = dict(plan["body"])
    body["stream"] = True
    body.setdefault("stream_options", {"include_usage": True})
    payload = json.dumps(body).encode()
    url = f"http://{plan['url']}/v1/chat/completions"
    streams = plan["streams"]
    # No pool limit (aiohttp's default is 100) so every stream has its own connection, and a
    # read timeout so a stalled mock ends the run instead of hanging it.
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=None, sock_read=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        tasks = [
            asyncio.create_task(stream_loop(k, session, url, payload, run)) for k in range(streams)
        ]
        await asyncio.sleep(plan["warmupS"])
        print("window", flush=True)
        run.in_window = True
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        await asyncio.sleep(plan["durationS"])
        run.in_window = False
        seconds = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        print("end", flush=True)
        run.stop = True
        await asyncio.gather(*tasks)
    report = {
        "client": f"python {sys.version.split()[0]} asyncio + aiohttp {aiohttp.__version__}",
        "streams": streams,
        "seconds": seconds,
        "completed": run.completed,
        "events": run.events,
        "tokenEvents": run.token_events,
        "failures": run.failures,
        "firstError": run.first_error,
        "cpuS": cpu,
        "peakRssMb": peak_rss_mb(),
        "firstTokens": run.first_tokens,
    }
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
