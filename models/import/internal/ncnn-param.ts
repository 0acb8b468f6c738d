/**
 * ncnn's `.param` text: the magic 7767517, the layer and blob counts, then one line per layer —
 * type, name, input and output counts, their blob names, and `key=value` parameters (`-23300-k=n,v,…`
 * or, in newer files, `k=v,v,…` for arrays).
 */
import { ImportError } from '../errors.ts';

/** The magic number on a `.param` file's first line. */
export const NCNN_PARAM_MAGIC = 7767517;

/** A parameter value: an int or float, an array of them, or a short string. */
export type NcnnParamValue = number | number[] | string;

/** One layer line. */
export interface NcnnLayer {
  type: string;
  name: string;
  inputs: string[];
  outputs: string[];
  /** Parameters by their id (0–19, array ids stored under their plain id). */
  params: Map<number, NcnnParamValue>;
  /** 1-based line number, for messages. */
  line: number;
}

/** A whole `.param` file. */
export interface NcnnParam {
  layers: NcnnLayer[];
  blobCount: number;
}

const ARRAY_KEY_BASE = -23300;

function parseNumber(text: string, where: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new ImportError(`${where}: ${JSON.stringify(text)} is not a number`);
  return value;
}

/** Reads one `k=v` pair into `params`. */
function parsePair(pair: string, params: Map<number, NcnnParamValue>, where: string): void {
  const eq = pair.indexOf('=');
  if (eq <= 0) throw new ImportError(`${where}: parameter ${JSON.stringify(pair)} is not key=value`);
  const key = Number(pair.slice(0, eq));
  const text = pair.slice(eq + 1);
  if (!Number.isInteger(key)) throw new ImportError(`${where}: parameter key ${JSON.stringify(pair.slice(0, eq))} is not an integer`);
  if (key <= ARRAY_KEY_BASE) {
    const [count, ...items] = text.split(',');
    const values = items.map((item) => parseNumber(item, where));
    if (parseNumber(count ?? '', where) !== values.length) throw new ImportError(`${where}: array parameter ${key} says ${count} values but has ${values.length}`);
    params.set(ARRAY_KEY_BASE - key, values);
  } else if (text.includes(',')) {
    params.set(key, text.split(',').map((item) => parseNumber(item, where)));
  } else {
    params.set(key, /^[-+0-9.eE]+$/.test(text) ? parseNumber(text, where) : text);
  }
}

/** Parses one layer line (already split on whitespace). */
function parseLayer(fields: string[], line: number, file: string): NcnnLayer {
  const where = `${file}:${line}`;
  const [type, name, inCount, outCount] = fields;
  if (!type || !name || inCount === undefined || outCount === undefined) throw new ImportError(`${where}: a layer line needs type, name, input count and output count`);
  const nIn = parseNumber(inCount, where);
  const nOut = parseNumber(outCount, where);
  const blobs = fields.slice(4, 4 + nIn + nOut);
  if (!Number.isInteger(nIn) || !Number.isInteger(nOut) || blobs.length !== nIn + nOut) {
    throw new ImportError(`${where}: layer ${name} declares ${inCount} inputs and ${outCount} outputs but names ${blobs.length} blobs`);
  }
  const params = new Map<number, NcnnParamValue>();
  for (const pair of fields.slice(4 + nIn + nOut)) parsePair(pair, params, `${where} (${type} ${name})`);
  return { type, name, inputs: blobs.slice(0, nIn), outputs: blobs.slice(nIn), params, line };
}

/** Parses a `.param` file's text; `file` names it in errors. */
export function parseNcnnParam(text: string, file: string): NcnnParam {
  const lines = text.split(/\r?\n/).map((l, i) => ({ fields: l.trim().split(/\s+/).filter(Boolean), line: i + 1 })).filter((l) => l.fields.length > 0);
  const [magic, counts, ...layerLines] = lines;
  if (!magic || magic.fields[0] !== String(NCNN_PARAM_MAGIC)) {
    throw new ImportError(`${file}: not an ncnn .param file (the first line should be ${NCNN_PARAM_MAGIC}; binary .param.bin files are not read)`);
  }
  const [layerCount, blobCount] = (counts?.fields ?? []).map((f) => parseNumber(f, `${file}:2`));
  if (layerCount === undefined || blobCount === undefined) throw new ImportError(`${file}:2: expected the layer and blob counts`);
  const layers = layerLines.map((l) => parseLayer(l.fields, l.line, file));
  if (layers.length !== layerCount) throw new ImportError(`${file}: says ${layerCount} layers but has ${layers.length} (truncated?)`);
  return { layers, blobCount };
}

/** An int parameter, or its default. */
export function intParam(layer: NcnnLayer, id: number, fallback: number): number {
  const value = layer.params.get(id) ?? fallback;
  if (typeof value !== 'number') throw new ImportError(`${layer.type} ${layer.name}: parameter ${id} should be a number, got ${JSON.stringify(value)}`);
  return value;
}

/** A float-array parameter, or an empty array. */
export function arrayParam(layer: NcnnLayer, id: number): number[] {
  const value = layer.params.get(id);
  if (value === undefined) return [];
  if (typeof value === 'number') return [value];
  if (typeof value === 'string') throw new ImportError(`${layer.type} ${layer.name}: parameter ${id} should be an array, got ${JSON.stringify(value)}`);
  return value;
}
