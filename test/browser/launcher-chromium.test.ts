// The launcher's browser steps (launcher-scenarios.ts) in real Chromium, driven by playwright-core.
import { launchChromium } from './chromium-driver';
import { launcherScenarios } from './launcher-scenarios';

launcherScenarios('Chromium', () => launchChromium());
