// Pure helpers shared by dfp's on-device exporters: a typed view of an ONNX graph and metadata_props editing.
export { type AttrVal, type OnnxConst, type OnnxDim, type OnnxDtype, type OnnxGraph, type OnnxNode, type OnnxValue, attrNumbers, constNumbers, readOnnxGraph } from './onnx-graph.ts';
export { readMetadataProps, setMetadataProps } from './onnx-metadata.ts';
