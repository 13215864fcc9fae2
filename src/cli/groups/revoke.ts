export { registerRevoke as registerGroup } from '../commands/revoke.js';
