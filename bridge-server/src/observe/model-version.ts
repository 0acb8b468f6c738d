/** A model's version as `GET /v1/health` reports it: the manifest's own `provenance.version`, else a digest of the manifest. */
import { createHash } from 'node:crypto';
/** What a version is read from: any parsed model.json (an upscaling model or an `auto` one). */
export interface VersionedManifest {
  provenance: Record<string, unknown>;
}

const versions = new WeakMap<VersionedManifest, string>();

/** `provenance.version` when the model states one, else `sha256:` and the first 12 hex digits of its manifest (changes whenever the model.json does). */
export function modelVersion(manifest: VersionedManifest): string {
  const stated = manifest.provenance.version;
  if (typeof stated === 'string' && stated !== '') return stated;
  let version = versions.get(manifest);
  if (version === undefined) {
    version = `sha256:${createHash('sha256').update(JSON.stringify(manifest)).digest('hex').slice(0, 12)}`;
    versions.set(manifest, version);
  }
  return version;
}
