// Package fake is an in-memory, stateful emulator of the Microsoft Graph
// Backup Storage protection-unit API (/solutions/backupRestore/protectionUnits),
// for testing code that lists, reads, offboards and cancels the offboarding
// of protection units, without a Microsoft 365 Backup tenant.
//
// It is faithful to the service's documented behaviour: the same paths
// (collections, type casts, typed collections, the offboard and
// cancelOffboard actions, $batch), JSON shapes (@odata.type,
// @odata.context, "error": null, the 0001-01-01T00:00:00.0000000Z sentinel),
// server-driven paging with absolute @odata.nextLink, $filter on status and
// policyId, $select, $orderby, $top and $count, the state machine with its
// 403 OperationNotAllowed answers, the "Prefer: include-unknown-enum-members"
// semantics, the permission table (delegated scp versus app-only roles), the
// Graph error envelope and request-id headers. On top of that it has a
// controllable clock, fault injection (status codes with Retry-After,
// latency, connection resets before or after the change was applied,
// truncated or HTML bodies, throttled $batch items) and inspection (the
// requests seen and every status transition per unit).
//
// # Use in tests
//
//	srv := fake.NewServer(nil)            // defaults: page size 100, 90-day grace period, clock at 2026-01-01
//	units := srv.Seed(50)                 // a realistic, seed-deterministic mix of kinds and states
//	httpClient := srv.Client()            // in-process: no socket, any host
//	cred := fake.NewDelegatedCredential() // scp=BackupRestore-Configuration.ReadWrite.All
//	// point the client under test at fake.DefaultBaseURL with httpClient and cred.
//
// Or serve it over a socket with httptest.NewServer(srv), or run the
// standalone cmd/emulator. Then drive and check it:
//
//	id := "…"                                             // a unit in offboardRequested
//	srv.AddFault(fake.Fault{Route: fake.RouteCancelOffboard, Kind: fake.FaultResetAfter, Count: 1})
//	// … the code under test calls cancelOffboard, gets a connection reset, retries or reads back …
//	n := 0
//	for _, t := range srv.Transitions(id) {
//		if t.Cause == fake.CauseCancelOffboard {
//			n++
//		}
//	}
//	// n == 1: applied exactly once.
//	srv.Advance(fake.DefaultCancelDelay)                  // cancelOffboardRequested → unprotected
//
// # Behaviour choices where the service is silent
//
//   - An unknown unit ID answers 404 with code ProtectionUnitNotFound.
//   - cancelOffboardRequested becomes unprotected after Options.CancelDelay
//     (default one hour); offboardRequested becomes offboarded after
//     Options.GracePeriod (default 90 days). Timers run lazily on the
//     emulator's clock, when the emulator is next used; no goroutines.
//   - Opaque (non-JWT) bearer tokens count as delegated
//     BackupRestore-Configuration.ReadWrite.All unless Options.StrictAuth.
//     Token signatures are never checked; "exp" and "aud" are.
//   - App-only callers get siteName/siteWebUrl (sites) and
//     displayName/email (mailboxes) as null, as the docs say.
//   - "$top" (1–999) and "Prefer: odata.maxpagesize" lower the page size;
//     they never raise it above Options.PageSize. A $skiptoken carries every
//     option of the first page and must be sent alone, as in the nextLink.
//   - $filter accepts eq, and, or and parentheses on status and policyId
//     (policyId compared with null or with the empty string matches the
//     units removed from their policy); at most MaxFilterClauses comparisons. Without the
//     Prefer opt-in, status eq 'unknownFutureValue' matches the units the
//     caller sees as unknownFutureValue.
//   - $batch runs its items one after the other in request order
//     (dependencies first) and answers in a different, seed-deterministic
//     order.
//   - The emulator's own control API is under /_emulator/ (see admin.go),
//     for clients that run cmd/emulator in another process.
package fake
