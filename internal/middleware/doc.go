// Package middleware holds the client's own Kiota middleware: the request
// guard, the retry policy (with per-attempt logging and span events) and the
// response-size cap. The client installs them in an explicit, fixed order;
// Kiota's own default list is built from a map, so its order differs between
// clients, and its RetryHandler leaks the discarded body and truncates
// fractional Retry-After values.
package middleware

import khttp "github.com/microsoft/kiota-http-go"

// Compile-time proof that each type is a Kiota middleware.
var (
	_ khttp.Middleware = (*Guard)(nil)
	_ khttp.Middleware = (*Retry)(nil)
	_ khttp.Middleware = (*BodyLimit)(nil)
	_ khttp.Middleware = (*Wire)(nil)
)
