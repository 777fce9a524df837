// Values fixed when the extension is built (vite.config.ts `define`). Unit tests run without that
// define, so every value has a fallback here.
declare const __GRAFANA_SSO_PRESET_SERVER_URL__: string | undefined;
declare const __GRAFANA_SSO_TEST_BUILD__: boolean | undefined;

/** A build for the browser tests (GRAFANA_SSO_TEST_HOSTS): short alarms and a test hook. */
export const testBuild = typeof __GRAFANA_SSO_TEST_BUILD__ !== 'undefined' && __GRAFANA_SSO_TEST_BUILD__;

export const buildConfig = {
  /** GRAFANA_SSO_SERVER_URL at build time: an organisation's default token server. */
  presetServerUrl: typeof __GRAFANA_SSO_PRESET_SERVER_URL__ === 'undefined' ? '' : __GRAFANA_SSO_PRESET_SERVER_URL__,
  /**
   * Packed extensions get alarms no sooner than 30 s; unpacked ones (and the browser tests' build)
   * may use shorter ones, so retries and refreshes can be observed in seconds.
   */
  minAlarmSeconds: testBuild ? 1 : 30,
  /**
   * How long an opening keeps an instance's token refreshed after its tab is gone (or when its URL is
   * hidden from the worker): a few minutes in production, seconds in the browser tests' build, so
   * that "no tab, no refresh" can be observed there.
   */
  recentOpeningSeconds: testBuild ? 5 : 300,
};
