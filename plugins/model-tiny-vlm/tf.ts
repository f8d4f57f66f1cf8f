/**
 * TensorFlow.js as the model uses it: tfjs-core's ops, the pure-JS `cpu`
 * backend, and the gradient and chained-op registrations (`x.reshape()`),
 * without the `@tensorflow/tfjs` umbrella's layers, converter, data and
 * WebGL packages. tfjs-core ships those registrations only as extensionless
 * ES modules, which Node cannot import; `npm run build` (run by `npm install`
 * in the repository) bundles them into tfjs-registrations.generated.js.
 */
import '@tensorflow/tfjs-backend-cpu';
import './tfjs-registrations.generated.js';
// the chained ops' types (`Tensor.reshape` and the rest), declared beside their registrations
import type {} from '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';

export * from '@tensorflow/tfjs-core';
