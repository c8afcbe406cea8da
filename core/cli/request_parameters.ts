/**
 * --request-parameter name:value:type (repeatable): extra parameters sent with every request.
 * Core parses and types them; the service kind says on which protocols it sends them
 * (`capabilities.requestParameters`) and how (gRPC InferParameter, JSON body fields, ...).
 */
import type { BackendDescriptor, RequestParameter } from "../backend.ts";
import { UsageError } from "../errors.ts";
import type { RunConfig } from "./config.ts";
import type { ParseState } from "./apply.ts";
import type { HelpEntry } from "./help_table.ts";
import { parseInteger, valueError } from "./values.ts";

const LABEL = "--request-parameter";
const TYPES = ["bool", "int", "string"] as const;

/**
 * Parses `name:value:type`. The name ends at the first ':' and the type starts after the last,
 * so a string value may itself hold ':' (a URL, a time). perf_analyzer lower-cases all three
 * parts; here only the type and a bool's value are case-insensitive, so string values and names
 * reach the server as typed.
 */
export function parseRequestParameter(text: string): RequestParameter {
  const first = text.indexOf(":");
  const last = text.lastIndexOf(":");
  if (first < 0 || first === last) {
    throw valueError(LABEL, "The value does not match <name:value:type>.", text);
  }
  const name = text.slice(0, first);
  const raw = text.slice(first + 1, last);
  const type = text.slice(last + 1).toLowerCase();
  if (name === "") throw valueError(LABEL, "The parameter name is empty.", text);
  switch (type) {
    case "bool": {
      const lower = raw.toLowerCase();
      if (lower !== "true" && lower !== "false") {
        throw valueError(LABEL, `A bool value must be true or false, not "${raw}".`, text);
      }
      return { name, value: lower === "true" };
    }
    case "int":
      return { name, value: parseInteger(`${LABEL} (int value of "${name}")`, raw) };
    case "string":
      return { name, value: raw };
    default:
      throw valueError(
        LABEL,
        `The type must be ${TYPES.join(", ")}, not "${text.slice(last + 1)}".`,
        text,
      );
  }
}

type Handler = (config: RunConfig, state: ParseState, value: string) => void;

export const REQUEST_PARAMETER_HANDLERS = {
  "request-parameter": (c, _s, v) => {
    const p = parseRequestParameter(v);
    // perf_analyzer keeps them in a map by name: a name given again keeps its last value.
    const i = c.requestParameters.findIndex((q) => q.name === p.name);
    if (i >= 0) c.requestParameters.splice(i, 1);
    c.requestParameters.push(p);
  },
} satisfies Record<string, Handler>;

/** "--service-kind a -i grpc or --service-kind b": where the parameters can go. */
function supportedWhere(builtIn: readonly BackendDescriptor[]): string {
  const where = builtIn.flatMap((d) => {
    const protocols = d.capabilities.requestParameters ?? [];
    if (protocols.length === 0) return [];
    const i = protocols.length < d.protocols.length ? ` -i ${protocols.join("|")}` : "";
    return [`--service-kind ${d.kind}${i}`];
  });
  return where.join(" or ");
}

/** --request-parameter needs a kind that sends parameters on the chosen protocol. */
export function checkRequestParameters(
  config: RunConfig,
  d: BackendDescriptor,
  builtIn: readonly BackendDescriptor[],
): void {
  if (config.requestParameters.length === 0) return;
  const protocols = d.capabilities.requestParameters ?? [];
  if (protocols.includes(config.protocol)) return;
  const here = d.protocols.length > 1
    ? `--service-kind ${config.serviceKind} -i ${config.protocol}`
    : `--service-kind ${config.serviceKind}`;
  throw new UsageError(
    `--request-parameter is not supported with ${here}; it is supported with ` +
      `${supportedWhere(builtIn)}.`,
  );
}

export const REQUEST_PARAMETER_HELP: HelpEntry = {
  id: "request-parameter",
  flags: "--request-parameter <name:value:type>",
  def: "none",
  text: "Extra parameter sent with every request; type bool, int or string; repeatable (a " +
    "name given again keeps its last value). Only the kinds that say so under Service kinds " +
    "send them (perf_analyzer: Triton over gRPC only).",
};
