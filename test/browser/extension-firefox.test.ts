// The shared browser steps (scenarios.ts) in real Firefox ESR, driven by puppeteer-core over WebDriver BiDi.
import { launchFirefox } from './firefox-driver';
import { extensionScenarios } from './scenarios';

extensionScenarios('Firefox', () => launchFirefox());
