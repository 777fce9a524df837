// Values fixed when the extension is built (vite.config.ts `define`). Unit tests run without that
// define, so every value has a fallback here.
declare const __GRAFANA_SSO_BUILD__: { presetServerUrl: string; testBuild: boolean } | undefined;

const injected = typeof __GRAFANA_SSO_BUILD__ === 'undefined' ? undefined : __GRAFANA_SSO_BUILD__;

export const buildConfig = {
  /** GRAFANA_SSO_SERVER_URL at build time: an organisation's default token server. */
  presetServerUrl: injected?.presetServerUrl ?? '',
  /**
   * Packed extensions get alarms no sooner than 30 s; unpacked ones (and the browser tests' build)
   * may use shorter ones, so retries and refreshes can be observed in seconds.
   */
  minAlarmSeconds: injected?.testBuild ? 1 : 30,
};
