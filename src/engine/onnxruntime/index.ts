// Public surface of the onnxruntime adapter: the only module that loads onnxruntime-node (tests/architecture.test.ts).
export { type Feeds, type SessionOptions, openSession, ort, tensor } from './session.ts';
export { type GraphRunner, type NamedArray, openGraph } from './graph.ts';
