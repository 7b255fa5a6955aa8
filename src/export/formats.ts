// The export formats on their own, so `dfp --help` can name them without loading the exporters.
export type ExportFormat = 'onnx' | 'tflite';
export const FORMATS: readonly ExportFormat[] = ['onnx', 'tflite'];
