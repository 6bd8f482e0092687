// Package faultproxy is an HTTP/1.1-aware TCP proxy for tests that injects
// network faults between a client (the SDK's http.Client) and a service (an
// httptest.Server wrapping fake.NewServer, or the cmd/emulator process) on
// 127.0.0.1.
//
// Each client connection is served by reading one request at a time
// (http.ReadRequest, keep-alive and chunked bodies included), deciding its
// fate with the proxy's rules, forwarding it on an upstream connection of
// its own and writing the upstream's response (http.ReadResponse) back. So a
// fault lands exactly on a message boundary: "the service never saw request
// N" (ResetBeforeForward, StallBeforeForward) or "the service acted on
// request N and sent its whole answer, but the client got none or part of
// it" (ResetAfterResponse, CloseBeforeResponse, TruncateBody, Stall). The
// event log (Proxy.Events) says, per request, what was injected, whether the
// upstream got the whole request and whether the client got the response,
// so a test can compare what the client reports with what really happened.
//
// # Why not Toxiproxy
//
// Toxiproxy's toxics (reset_peer, timeout, limit_data, latency) act on byte
// streams with byte counts and timers; they do not know where one HTTP
// message ends and the next begins, so they cannot place a reset "after the
// service answered request N but before a byte of that answer reached the
// client", nor pick request 2 of a keep-alive connection. It is also a
// separate server process with its own control API. This package is a few
// hundred lines on net/http's own message parser, in-process, with
// reproducible (seeded) choices.
//
// # Limits
//
// HTTP/1.x only, no TLS, no CONNECT or protocol upgrades. Informational
// (1xx) upstream responses are dropped; "Expect: 100-continue" is answered
// by the proxy itself. Requests and responses are re-serialized by net/http:
// header order, the case of header names and chunk sizes may change;
// bodies, header values, the Host header and the choice of chunked versus
// Content-Length framing do not (except that a response held by Stall or
// cut by TruncateBody is sent with a Content-Length). One upstream
// connection serves each client connection, so keep-alive on one side is
// keep-alive on the other. The proxy reports a broken upstream (dial
// refused, connection lost before a full response) by resetting the client
// connection, the closest thing to what the client would have seen without
// the proxy, never by inventing a 502.
//
// # What the client does with a fault
//
// net/http's Transport silently retries a request that failed on a reused
// keep-alive connection before any response byte arrived, when the request
// is idempotent (GET, HEAD, OPTIONS, TRACE, or one with an Idempotency-Key
// or X-Idempotency-Key header) and its body can be replayed; so a faulted
// GET on a pooled connection may succeed on a second attempt the upstream
// also served. The event log shows both attempts.
package faultproxy
