/**
 * Runs before every test module and JSDoc example (`deno test --preload`): tfjs in production
 * mode, as `initBackend` sets it for every CLI, so that examples which use tfjs without
 * `initBackend` do not print tfjs's "looks like you are running TensorFlow.js in Node.js" banner.
 * @module
 */
import * as tf from "@tensorflow/tfjs";

tf.enableProdMode();
