/**
 * Regenerates proto/triton_grpc.json from proto/grpc_service.proto (and its imports): the same
 * definitions as protobufjs JSON, so the client loads them with proto-loader's fromJSON instead
 * of reading .proto files at run time. That keeps `deno bundle`'s single file self-contained
 * for -i grpc. Run after editing a .proto: `deno run -A scripts/gen_proto_json.ts`;
 * backends/grpc_proto_json_test.ts fails while the two disagree.
 */
import protobuf from "protobufjs";

const PROTO_DIR = new URL("../proto/", import.meta.url).pathname;
export const PROTO_JSON_PATH = `${PROTO_DIR}triton_grpc.json`;

/** The protobufjs JSON of the Triton service, parsed as proto-loader parses it (keepCase). */
export function tritonProtoJson(): unknown {
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string) =>
    target.startsWith("/") ? target : PROTO_DIR + target;
  root.loadSync("grpc_service.proto", { keepCase: true });
  return root.toJSON({ keepComments: false });
}

export function tritonProtoJsonText(): string {
  return JSON.stringify(tritonProtoJson(), null, 2) + "\n";
}

if (import.meta.main) {
  await Deno.writeTextFile(PROTO_JSON_PATH, tritonProtoJsonText());
  console.log(`wrote ${PROTO_JSON_PATH}`);
}
