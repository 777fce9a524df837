// oidc-provider 8 ships no type declarations; the test provider uses a small, loosely typed part of it.
declare module 'oidc-provider' {
  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    // Its API (Grant, interactionDetails, callback…) is used as documented, without static types.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    [member: string]: any;
  }
}
