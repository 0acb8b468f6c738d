/** What a job carries in BullMQ (its image and result bytes sit beside it under their own keys) and what it returns. */
import type { ColorFix, InputSmoothing, ModelChoice } from '../../../../models/runtime/index.ts';

/** A job's data: who submitted it and what to do (plain JSON). */
export interface UpscaleJobData {
  /** The submitting bridge's client id (a WebSocket connection or REST address; the user's name with per-user tokens). */
  client: string;
  /** The client's own id for the job. */
  id: string;
  model: string;
  scale: number;
  tile?: number;
  colorFix?: ColorFix;
}

/** A job's return value; the PNG itself is under resultKey(job id). */
export interface UpscaleJobReturn {
  width: number;
  height: number;
  model: string;
  scale: number;
  choice?: ModelChoice;
  smoothing?: InputSmoothing;
}
