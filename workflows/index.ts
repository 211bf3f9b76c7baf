export { multiRegionDeploy } from './deploy.js';
export { interceptors } from './reserved-names.js';
