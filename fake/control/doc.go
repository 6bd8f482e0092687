// Package control is the control API and the browser (CORS) support of the
// standalone Backup Storage emulator, cmd/emulator: an http.Handler that
// wraps a *fake.Server, built only on fake's public API. Tests in Go drive
// a fake.Server through its methods and need none of this; a client in
// another language or process drives a cmd/emulator process through it.
//
//	srv := fake.NewServer(nil)
//	srv.Seed(50)
//	h := control.New(srv, nil) // serves /_emulator/ and passes /v1.0 to srv
//	_ = http.ListenAndServe("127.0.0.1:8080", h)
//
// # Control API
//
// Under /_emulator/ (outside /v1.0, no token needed), a client in any
// language drives the emulator: GET /_emulator/ answers a JSON index of
// every endpoint (Endpoints; cmd/emulator -h prints it). The control API is
// never faulted, throttled or recorded in the request log.
//
//	GET    /_emulator/              this index
//	GET    /_emulator/clock         the emulator clock
//	POST   /_emulator/clock         ?advance=90d or ?set=<RFC 3339>
//	GET    /_emulator/units         every unit, real statuses
//	POST   /_emulator/units         ?seed=n, or one unit as JSON
//	GET    /_emulator/transitions   every status transition
//	GET    /_emulator/requests      the request log
//	POST   /_emulator/faults        inject a fault (JSON)
//	DELETE /_emulator/faults        remove every fault
//	GET    /_emulator/throttle      throttling configuration and counts
//	POST   /_emulator/throttle      ?appTenant=RATE[/BURST] (app=, tenant=), or JSON
//	DELETE /_emulator/throttle      throttling off
//	GET    /_emulator/policies      every policy
//	POST   /_emulator/policies      ?seed=true, or one policy as JSON
//	GET    /_emulator/service-status  the tenant's serviceStatus
//	POST   /_emulator/service-status  ?status=…, or JSON
//	GET    /_emulator/settings      the PATCH's settings
//	POST   /_emulator/settings      ?deltaErrorShape=…&removalDelay=…
//	GET    /_emulator/groups        the tenant's groups
//	POST   /_emulator/groups        add or replace a group (JSON)
//	POST   /_emulator/directory     ?seed=n sites and people outside any policy
//	POST   /_emulator/reset         back to the initial state
//
// For example, against `go run ./cmd/emulator`:
//
//	curl -X POST 'http://127.0.0.1:8080/_emulator/clock?advance=90d'
//
// Its answers carry request-id, client-request-id and OData-Version as the
// API's do; a refused request gets a Graph error envelope (code BadRequest,
// or 405 with Allow for a known path and another method). Request bodies
// may be gzip-compressed (Content-Encoding: gzip).
//
// # Browsers (CORS)
//
// The handler answers CORS preflights (before authentication, faults and
// throttling; they are not recorded) and adds Access-Control-Allow-Origin
// and Access-Control-Expose-Headers (request-id, client-request-id,
// Retry-After, Location, Preference-Applied) to its answers and to the
// emulator's, so a single-page app on another origin can call a
// cmd/emulator process with fetch. Options.CORSOrigins (cmd/emulator
// -cors-origins) restricts the origins; by default every origin is
// allowed.
package control
