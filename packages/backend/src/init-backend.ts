import { installWasmZeroCopyIdentity } from './wasm-zero-copy-identity.js';
import * as tf from '@tensorflow/tfjs-core';
import {
  BACKEND_CANDIDATES,
  BACKEND_NAMES,
  findCandidate,
  type BackendCandidate,
  type BackendName,
  type BackendPreference,
} from './backend-candidates.js';

export interface SkippedBackend {
  name: BackendName;
  reason: string;
}

export interface BackendSelection {
  /** The backend in use. */
  name: BackendName;
  /** tfjs-core's name for it (`tensorflow`, `wasm`, `cpu`). */
  tfBackendName: string;
  /** Faster backends that were tried first and why each could not be used (empty for an explicit choice). */
  reasonsSkipped: SkippedBackend[];
}

/**
 * The import is behind a variable so that bundlers and TypeScript do not insist on the optional native packages.
 * A failed import (package not installed, or installed without its libtensorflow binary) is a reason, never a crash.
 */
async function importBackendPackage(packageName: string): Promise<void> {
  const specifier = packageName;
  await import(specifier);
}

async function tryCandidate(candidate: BackendCandidate): Promise<string | undefined> {
  try {
    await importBackendPackage(candidate.packageName);
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return `could not import ${candidate.packageName}: ${message}`;
  }
  if (tf.findBackendFactory(candidate.tfBackendName) == null) {
    return (
      `${candidate.packageName} loaded but did not register the '${candidate.tfBackendName}' backend with this ` +
      `copy of @tensorflow/tfjs-core (${tf.version_core}); install the same version of both`
    );
  }
  let ok = false;
  try {
    ok = await tf.setBackend(candidate.tfBackendName);
  } catch (err) {
    return `'${candidate.tfBackendName}' failed to initialise: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (!ok) return `'${candidate.tfBackendName}' failed to initialise (tf.setBackend returned false)`;
  await tf.ready();
  return undefined;
}

function parsePreference(preference: string): BackendPreference {
  const p = preference.trim().toLowerCase();
  if (p === 'auto' || (BACKEND_NAMES as readonly string[]).includes(p)) return p as BackendPreference;
  throw new Error(
    `initBackend: unknown backend preference '${preference}' (from the argument or TOST_BACKEND); ` +
      `expected one of: auto, ${BACKEND_NAMES.join(', ')}`,
  );
}

/**
 * Selects the fastest tfjs backend that loads: node-gpu → node → wasm → cpu.
 * `preference` is `auto` (try in that order) or one backend name; an explicit backend that cannot load is an error
 * that says why and how to install it.
 */
export async function initBackend(
  preference: string = process.env.TOST_BACKEND ?? 'auto',
): Promise<BackendSelection> {
  const wanted = parsePreference(preference);
  if (wanted !== 'auto') {
    const candidate = findCandidate(wanted)!;
    const reason = await tryCandidate(candidate);
    if (reason !== undefined) {
      throw new Error(
        `initBackend: backend '${wanted}' is not available: ${reason}. To install it: ${candidate.installHint}.`,
      );
    }
    tuneBackend(candidate.tfBackendName);
    return { name: candidate.name, tfBackendName: candidate.tfBackendName, reasonsSkipped: [] };
  }
  const reasonsSkipped: SkippedBackend[] = [];
  for (const candidate of BACKEND_CANDIDATES) {
    const reason = await tryCandidate(candidate);
    if (reason === undefined) {
      tuneBackend(candidate.tfBackendName);
      return { name: candidate.name, tfBackendName: candidate.tfBackendName, reasonsSkipped };
    }
    reasonsSkipped.push({ name: candidate.name, reason });
  }
  throw new Error(
    'initBackend: no TensorFlow.js backend could be loaded:\n' +
      reasonsSkipped.map((s) => `  - ${s.name}: ${s.reason}`).join('\n'),
  );
}

/** A one-line human summary, e.g. `wasm (skipped node-gpu: …; node: …)`. */
export function describeBackendSelection(selection: BackendSelection): string {
  if (selection.reasonsSkipped.length === 0) return selection.name;
  return `${selection.name} (skipped ${selection.reasonsSkipped.map((s) => `${s.name}: ${s.reason}`).join('; ')})`;
}

/** Backend-specific fixes applied once a backend is selected (wasm: a zero-copy Identity kernel). */
function tuneBackend(tfBackendName: string): void {
  if (tfBackendName === 'wasm') installWasmZeroCopyIdentity();
}
