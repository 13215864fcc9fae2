export { registerWizard as registerGroup } from '../commands/wizard.js';
