/** Checkpoint input/output: safetensors (streaming read/write, sharded), ONNX files, single-tensor PyTorch `.pt`, 16-bit floats, crash-safe writes. */
export { CheckpointFormatError } from './errors.ts';
export {
  bfloat16BitsToNumber, bfloat16ToFloat32, float16BitsToNumber, float16ToFloat32,
  float32ToBfloat16, float32ToFloat16, numberToBfloat16Bits, numberToFloat16Bits,
} from './half.ts';
export { MAX_HEADER_BYTES, SAFETENSORS_DTYPE_BYTES, type SafetensorsDType, type TensorInfo } from './safetensors-header.ts';
export { openSafetensorsFile, type SafetensorsReader, type TensorData } from './safetensors-reader.ts';
export { openSafetensors, openShardedSafetensors } from './safetensors-sharded.ts';
export {
  copyFileAtomic, fsyncDirectory, fsyncFile, parseTemporaryName, removeStaleTemporaries, temporaryPathFor, writeFileAtomic, writeFileAtomicWith,
  type AtomicWriteOptions,
} from './atomic-write.ts';
export { previousPathFor, recoverDirectory, writeDirectoryAtomic, type DirectoryWriteOptions } from './atomic-directory.ts';
export { foreignModelEntries, isModelFile, listedEntries, writeModelDirectory } from './model-directory.ts';
export { writeSafetensors, type TensorToWrite } from './safetensors-writer.ts';
export { writeOnnxModel, type OnnxWriteOptions, type OnnxWriteResult } from './onnx-file.ts';
export { parseTorchTensor, readTorchTensor, type TorchFloatDType, type TorchTensor } from './torch-pt.ts';
export { floatValues, isFloatInitializer, readOnnxFloatInitializers } from './onnx-initializers.ts';
