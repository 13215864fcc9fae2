export { registerVerify as registerGroup } from '../commands/verify.js';
