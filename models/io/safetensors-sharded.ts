/** Sharded safetensors checkpoints (an index JSON with a weight_map) opened as one, and `openSafetensors` for any layout. */
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CheckpointFormatError } from './errors.ts';
import type { TensorInfo } from './safetensors-header.ts';
import { openSafetensorsFile, type SafetensorsReader, type TensorData } from './safetensors-reader.ts';

/** Opens a checkpoint: a `.safetensors` file, a `*.safetensors.index.json` index, or a directory holding exactly one of either. */
export async function openSafetensors(path: string): Promise<SafetensorsReader> {
  if ((await stat(path)).isDirectory()) return openSafetensors(await findCheckpointIn(path));
  if (path.endsWith('.json')) return openShardedSafetensors(path);
  return openSafetensorsFile(path);
}

/** Picks the index (preferred) or the single safetensors file in a directory such as a diffusers `transformer/`. */
async function findCheckpointIn(directory: string): Promise<string> {
  const entries = (await readdir(directory)).sort();
  const indexes = entries.filter((name) => name.endsWith('.safetensors.index.json'));
  const files = entries.filter((name) => name.endsWith('.safetensors'));
  const pick = indexes.length > 0 ? indexes : files;
  if (pick.length === 1) return join(directory, pick[0]!);
  const found = pick.length === 0 ? 'none' : pick.join(', ');
  throw new CheckpointFormatError(directory, `expected one *.safetensors.index.json or one *.safetensors file, found ${found}`);
}

/** Opens every shard named by an index JSON's weight_map and checks each mapped tensor is in its shard. */
export async function openShardedSafetensors(indexPath: string): Promise<SafetensorsReader> {
  const weightMap = await readWeightMap(indexPath);
  const shards = new Map<string, SafetensorsReader>();
  try {
    for (const shardName of new Set(weightMap.values())) {
      shards.set(shardName, await openSafetensorsFile(join(dirname(indexPath), shardName)));
    }
    for (const [name, shardName] of weightMap) {
      if (!shards.get(shardName)!.has(name)) {
        throw new CheckpointFormatError(indexPath, `weight_map puts "${name}" in ${shardName}, which does not hold it`);
      }
    }
  } catch (error) {
    await Promise.all([...shards.values()].map((shard) => shard.close()));
    throw error;
  }
  return new ShardedSafetensors(indexPath, weightMap, shards);
}

/** Reads `weight_map` (tensor name → shard file name, shards beside the index only). */
async function readWeightMap(indexPath: string): Promise<Map<string, string>> {
  let index: unknown;
  try {
    index = JSON.parse(await readFile(indexPath, 'utf8'));
  } catch (error) {
    throw new CheckpointFormatError(indexPath, `index is not valid JSON (${(error as Error).message})`);
  }
  const weightMap = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new CheckpointFormatError(indexPath, 'index has no weight_map object');
  }
  const entries = Object.entries(weightMap);
  for (const [name, shard] of entries) {
    if (typeof shard !== 'string' || shard !== basename(shard) || shard === '..' || shard === '.' || shard === '') {
      throw new CheckpointFormatError(indexPath, `weight_map entry "${name}" names ${JSON.stringify(shard)}, not a file beside the index`);
    }
  }
  return new Map(entries as [string, string][]);
}

/** Several shard readers behind one name space. */
class ShardedSafetensors implements SafetensorsReader {
  readonly names: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;

  constructor(
    private readonly indexPath: string,
    private readonly weightMap: ReadonlyMap<string, string>,
    private readonly shards: ReadonlyMap<string, SafetensorsReader>,
  ) {
    this.names = [...weightMap.keys()];
    this.metadata = [...shards.values()][0]?.metadata ?? {};
  }

  has(name: string): boolean {
    return this.weightMap.has(name);
  }

  private shardOf(name: string): SafetensorsReader {
    const shard = this.weightMap.get(name);
    if (shard === undefined) throw new CheckpointFormatError(this.indexPath, `no tensor named "${name}"`);
    return this.shards.get(shard)!;
  }

  info(name: string): TensorInfo {
    return this.shardOf(name).info(name);
  }

  async readBytes(name: string): Promise<Uint8Array> {
    return this.shardOf(name).readBytes(name);
  }

  async read(name: string): Promise<TensorData> {
    return this.shardOf(name).read(name);
  }

  async readFloat32(name: string): Promise<Float32Array> {
    return this.shardOf(name).readFloat32(name);
  }

  async close(): Promise<void> {
    await Promise.all([...this.shards.values()].map((shard) => shard.close()));
  }
}
