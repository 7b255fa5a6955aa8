// Public surface of the training engine adapter (onnxruntime-node).
export { type Feeds, type SessionOptions, openSession, ort, tensor } from './session.ts';
export { Trainer, type TrainerOptions } from './trainer.ts';
