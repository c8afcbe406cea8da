#!/bin/sh
# Builds the triton_c_api backend's native parts from native/capi/ with the machine's gcc:
#   OUTDIR/lib/libtritonserver.so        C API test double (model `simple`), native/capi/fake_*.c
#   OUTDIR/lib/libpa_completion_queue.so completion queue + response allocator, needed by
#                                        backends/triton_c_api/mod.ts with a real Triton too
# OUTDIR then works as --triton-server-directory. Nothing is downloaded.
set -eu
if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
OUT=$1
SRC=$(cd "$(dirname "$0")/../native/capi" && pwd)
CC=${CC:-gcc}
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "error: C compiler '$CC' not found; install gcc (or set CC) to build the C API double" >&2
  exit 3
fi
mkdir -p "$OUT/lib"
FLAGS="-std=c11 -D_GNU_SOURCE -O2 -fPIC -shared -fvisibility=hidden -Wall -Wextra -Wno-unused-parameter -Werror"
"$CC" $FLAGS -o "$OUT/lib/libtritonserver.so" \
  "$SRC/fake_tritonserver.c" "$SRC/fake_json.c" "$SRC/fake_request.c" "$SRC/fake_infer.c" -lpthread
"$CC" $FLAGS -o "$OUT/lib/libpa_completion_queue.so" "$SRC/pa_completion_queue.c" -lpthread
