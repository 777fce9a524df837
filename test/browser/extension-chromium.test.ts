// The shared browser steps (scenarios.ts) in real Chromium, driven by playwright-core.
import { launchChromium } from './chromium-driver';
import { extensionScenarios } from './scenarios';

extensionScenarios('Chromium', () => launchChromium());
