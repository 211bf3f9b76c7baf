export { multiRegionDeploy } from './deploy.js';
