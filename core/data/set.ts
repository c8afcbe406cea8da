/**
 * The input data a run replays, whatever its source (--input-data random|zero|<dir>|<file.json>
 * repeated): streams of steps, each step one batch-1 request's tensors already in wire form, plus
 * the expected outputs when the source has validation data. Loaded and encoded once at startup;
 * the hot path only picks prepared requests built from it.
 */
import type { DataType } from "../../wire/kserve/datatypes.ts";

/** One tensor of one step: batch-1 shape (no batch dim), wire bytes (BYTES length-prefixed). */
export interface StepTensor {
  datatype: DataType;
  shape: number[];
  bytes: Uint8Array;
}

export interface DataStep {
  /** Every non-optional model input, and any optional ones the source gave. */
  inputs: Map<string, StepTensor>;
  /** validation_data (or output files of a directory) for this step; empty when none. */
  expected: Map<string, StepTensor>;
  /** --fixed-schedule: the entry's "timestamp" in ms from the start, when present. */
  timestampMs?: number;
  /** --session-concurrency: the entry's "session_id", when present. */
  sessionId?: string;
  /** --session-concurrency: the entry's "delay", ms to wait after its reply, when present. */
  delayMs?: number;
}

export interface DataSet {
  /** One stream for flat data; several for sequence data (each played to one sequence id). */
  streams: DataStep[][];
  /** True when any step carries expected outputs. */
  validation: boolean;
}

/** What the loaders read through, so tests give them files without touching the disk. */
export interface DataFs {
  readFile(path: string): Promise<Uint8Array>;
  /** Undefined when the path does not exist. */
  isDirectory(path: string): Promise<boolean | undefined>;
}

/** Every step of every stream, in order (non-sequence models replay them round-robin). */
export function allSteps(data: DataSet): DataStep[] {
  return data.streams.flat();
}
