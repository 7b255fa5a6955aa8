// Public surface of dfp's on-device exporters: ONNX (ONNX Runtime Mobile) and TFLite (LiteRT).
export { type OnnxExport, type OnnxExportMetadata, METADATA_KEYS, exportOnnx, withMetadata } from './onnx/export-onnx.ts';
export { type TfliteExport, convertToTflite, exportTflite } from './tflite/export-tflite.ts';
export { SUPPORTED_ONNX_OPS } from './tflite/lower.ts';
export { type ExportFormat, type ExportResult, FORMATS, TOLERANCE, runExport } from './run-export.ts';
export { type FetchModelUri, type ModelSource, MODEL_METADATA, MODEL_ONNX, isModelUri, resolveModelSource } from './model-source.ts';
export type { TensorInfo } from './files.ts';
