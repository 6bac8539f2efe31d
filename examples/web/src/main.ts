/**
 * The page's entry: two panels, each a view on the main thread (drawing, controls) and a module worker (all of
 * the training), so the page stays responsive however long a step takes.
 *
 * `window.__tsgrad` exposes each panel's current state for the browser test (test/web.test.ts) and for anyone
 * curious in the developer console; it is read-only and changes nothing.
 */
import './style.css';
import { mnistView, type MnistHook } from './mnist/view.js';
import { springView, type SpringHook } from './spring/view.js';

declare global {
  interface Window {
    __tsgrad?: { spring: () => SpringHook | null; mnist: () => MnistHook | null };
  }
}

const spring = springView();
const mnist = mnistView();
window.__tsgrad = { spring: spring.hook, mnist: mnist.hook };
