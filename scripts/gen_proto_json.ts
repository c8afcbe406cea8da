/**
 * Regenerates the protobufjs JSON forms of the protos the client loads: proto/triton_grpc.json
 * from proto/grpc_service.proto and proto/tfserving.json from proto/tfserving/serving.proto
 * (each with its imports). The client loads them with fromJSON instead of reading .proto files
 * at run time, which keeps `deno bundle`'s single file self-contained for -i grpc. Run after
 * editing a .proto: `deno run -A scripts/gen_proto_json.ts`; backends/triton/grpc_proto_json_test.ts
 * and backends/tfserving/proto_test.ts fail while a JSON file and its protos disagree.
 */
import protobuf from "protobufjs";

const PROTO_DIR = new URL("../proto/", import.meta.url).pathname;
export const PROTO_JSON_PATH = `${PROTO_DIR}triton_grpc.json`;
export const TFSERVING_JSON_PATH = `${PROTO_DIR}tfserving.json`;

/** The protobufjs JSON of `entry` under `dir`, parsed as proto-loader parses it (keepCase). */
function protoJson(dir: string, entry: string): unknown {
  const root = new protobuf.Root();
  // google/protobuf/* resolve to protobufjs's bundled copies whatever this returns.
  root.resolvePath = (_origin: string, target: string) =>
    target.startsWith("/") ? target : dir + target;
  root.loadSync(entry, { keepCase: true });
  return root.toJSON({ keepComments: false });
}

/** The protobufjs JSON of the Triton service. */
export function tritonProtoJson(): unknown {
  return protoJson(PROTO_DIR, "grpc_service.proto");
}

export function tritonProtoJsonText(): string {
  return JSON.stringify(tritonProtoJson(), null, 2) + "\n";
}

/** The protobufjs JSON of TF Serving's PredictionService and ModelService. */
export function tfservingProtoJsonText(): string {
  return JSON.stringify(protoJson(`${PROTO_DIR}tfserving/`, "serving.proto"), null, 2) + "\n";
}

if (import.meta.main) {
  await Deno.writeTextFile(PROTO_JSON_PATH, tritonProtoJsonText());
  await Deno.writeTextFile(TFSERVING_JSON_PATH, tfservingProtoJsonText());
  console.log(`wrote ${PROTO_JSON_PATH} and ${TFSERVING_JSON_PATH}`);
}
