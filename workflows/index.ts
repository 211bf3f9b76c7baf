export { multiRegionDeploy } from './deploy.js';
export { interceptors } from './reserved-names.js';
export { firebreakFreezes } from './freeze.js';
