/**
 * The worker thread rule inputs run in, so an input that never returns is seen as a hang
 * (the main thread's time limit) instead of stopping the fuzzer.
 */
import { parentPort } from 'node:worker_threads';
import { tryRuleFile } from './rule-target.js';

parentPort!.on('message', (text: string) => parentPort!.postMessage(tryRuleFile(text)));
