export { multiRegionDeploy } from './deploy.js';
export { serviceRollback } from './service-rollback.js';
export { interceptors } from './reserved-names.js';
export { firebreakFreezes } from './freeze.js';
