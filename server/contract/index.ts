// The contract between the token server and the extension: imported by both, so it imports nothing
// outside this folder (test/conventions.test.ts checks it) and runs in Node and in the browser alike.
export { apiPaths, jsonPathPrefixes } from './paths.ts';
export { requestHeader } from './request-header.ts';
export { isPlainHeaderName } from './header-name.ts';
export { GRAFANA_ROLES, isGrafanaRole, parseRole, roleRank, type GrafanaRole } from './roles.ts';
export { errorCatalogue, errorCodes, errorMessage, errorStatus, isErrorCode, type ErrorCode, type ErrorParams, type FixedMessageCode } from './errors.ts';
export type { ErrorResponse, PublicConfig, PublicInstance, PublicUser, SessionResponse, TokenRequest, TokenResponse } from './responses.ts';
export { baseOf, isInside, resolveInside, returnPathOf } from './target-url.ts';
export { AUTH_TOKEN_PARAM, goLink, goPathPrefix, INSTANCE_ID_PATTERN, parseGoLink, withoutParam, withParam } from './go-link.ts';
