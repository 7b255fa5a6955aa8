// Public surface of dfp's on-device exporters: ONNX (ONNX Runtime Mobile) and TFLite (LiteRT).
export { type OnnxExport, type OnnxExportMetadata, METADATA_KEYS, exportOnnx, withMetadata } from './onnx/export-onnx.ts';
export { type TfliteExport, convertToTflite, exportTflite } from './tflite/export-tflite.ts';
export { SUPPORTED_ONNX_OPS } from './tflite/lower.ts';
export { type ExportFormat, type ExportResult, FORMATS, TOLERANCE, runExport } from './run-export.ts';
export { type ExportModel, type FetchModelUri, isModelUri, resolveExportModel } from './resolve-model.ts';
export type { TensorInfo } from './files.ts';
