// The header Grafana reads the JWT from ([auth.jwt] header_name): the server refuses to configure, and
// the extension refuses to set, anything but a plain header name that nothing treats specially.

/** RFC 9110 token characters: what a header name may contain. */
const token = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers that browsers or Grafana treat specially; carrying the JWT in them would break things. */
const reserved = new Set(['cookie', 'host', 'origin', 'referer', 'content-type', 'content-length']);

export function isPlainHeaderName(name: unknown): name is string {
  return typeof name === 'string' && token.test(name) && !reserved.has(name.toLowerCase());
}
