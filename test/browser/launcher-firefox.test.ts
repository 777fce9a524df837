// The launcher's browser steps (launcher-scenarios.ts) in real Firefox ESR, driven by puppeteer-core.
import { launchFirefox } from './firefox-driver';
import { launcherScenarios } from './launcher-scenarios';

launcherScenarios('Firefox', () => launchFirefox());
