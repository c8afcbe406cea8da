/**
 * TF Serving's vocabulary: its messages (proto/tfserving/*.proto, as proto/tfserving.json),
 * loaded once with protobufjs, the service paths and the names the protocol fixes. The client
 * and the reference server share only this; each side turns tensors into TensorProtos and REST
 * JSON with its own code, so a value-codec bug cannot hide behind a round trip. Requests are
 * encoded once at prepare time, replies decoded only when someone reads them. Decoded objects
 * keep the proto's snake_case names; 64-bit integers become decimal strings so INT64/UINT64
 * elements above 2^53 survive, and enums their names (DT_INT32).
 */
import protobuf from "protobufjs";
import TFSERVING_JSON from "../../proto/tfserving.json" with { type: "json" };

export const PREDICTION_SERVICE = "tensorflow.serving.PredictionService";
export const MODEL_SERVICE = "tensorflow.serving.ModelService";
export const PREDICT_PATH = `/${PREDICTION_SERVICE}/Predict`;
export const METADATA_PATH = `/${PREDICTION_SERVICE}/GetModelMetadata`;
export const STATUS_PATH = `/${MODEL_SERVICE}/GetModelStatus`;
/** The signature TF Serving uses when a request names none, and perf_analyzer's default. */
export const DEFAULT_SIGNATURE = "serving_default";
/** GetModelMetadataResponse.metadata key, and the Any type it holds. */
export const SIGNATURE_DEF_FIELD = "signature_def";
export const SIGNATURE_DEF_MAP_URL = "type.googleapis.com/tensorflow.serving.SignatureDefMap";

export type TfObject = Record<string, unknown>;

const TO_OBJECT: protobuf.IConversionOptions = {
  longs: String,
  enums: String,
  bytes: Uint8Array,
  defaults: false,
  arrays: true,
  objects: true,
};

/** One message type with the conversions every caller uses. */
export class TfMessage {
  constructor(readonly type: protobuf.Type) {}

  encode(value: TfObject): Uint8Array {
    return this.type.encode(this.type.fromObject(value)).finish();
  }

  decode(bytes: Uint8Array): TfObject {
    return this.type.toObject(this.type.decode(bytes), TO_OBJECT) as TfObject;
  }
}

const NAMES = {
  PredictRequest: "tensorflow.serving.PredictRequest",
  PredictResponse: "tensorflow.serving.PredictResponse",
  GetModelMetadataRequest: "tensorflow.serving.GetModelMetadataRequest",
  GetModelMetadataResponse: "tensorflow.serving.GetModelMetadataResponse",
  SignatureDefMap: "tensorflow.serving.SignatureDefMap",
  GetModelStatusRequest: "tensorflow.serving.GetModelStatusRequest",
  GetModelStatusResponse: "tensorflow.serving.GetModelStatusResponse",
  TensorProto: "tensorflow.TensorProto",
} as const;

export type TfMessageName = keyof typeof NAMES;

let messages: Record<TfMessageName, TfMessage> | undefined;

/** The message types, built on first use so runs that never speak TF Serving never pay. */
export function tfMessages(): Record<TfMessageName, TfMessage> {
  if (messages) return messages;
  // The JSON's literal type is narrower than protobufjs's INamespace; it is one.
  const root = protobuf.Root.fromJSON(TFSERVING_JSON as unknown as protobuf.INamespace);
  const out: Partial<Record<TfMessageName, TfMessage>> = {};
  for (const [key, name] of Object.entries(NAMES)) {
    out[key as TfMessageName] = new TfMessage(root.lookupType(name));
  }
  messages = out as Record<TfMessageName, TfMessage>;
  return messages;
}
