// Package fake is an in-memory, stateful emulator of the Microsoft Graph
// Backup Storage protection-unit API (/solutions/backupRestore/protectionUnits)
// and of the policy side of the offboarding lifecycle (protection policies,
// the …ProtectionUnits@delta PATCH, the service status), for testing code
// that lists, reads, removes from policies, offboards and cancels the
// offboarding of protection units, without a Microsoft 365 Backup tenant.
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
//	cred := fake.NewDelegatedCredential() // scp=BackupRestore-Configuration.ReadWrite.All BackupRestore-Control.Read.All
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
// # Policies, the @delta PATCH and the service status
//
// Policies (AddPolicy, UpdatePolicy, Policy, Policies; Seed creates two per
// workload) are served at GET /solutions/backupRestore/protectionPolicies
// (every type, @odata.type per item), the typed …/sharePointProtectionPolicies,
// …/oneDriveForBusinessProtectionPolicies and …/exchangeProtectionPolicies,
// one policy at …/{id}, and each policy's own view of its units at
// …/{typed}/{id}/siteProtectionUnits (driveProtectionUnits,
// mailboxProtectionUnits), with /{unitId} and /$count and the unit
// collection's paging and query options. The view lists the units whose
// policyId is the policy's, so a unit in removeRequested stays in it until
// its removal completes. A policy's status is derived from its units (see
// Policy.Status). The derived-type casts work as on the unit collections:
// …/protectionPolicies/microsoft.graph.sharePointProtectionPolicy lists
// the SharePoint policies, …/protectionPolicies/{id}/microsoft.graph.
// sharePointProtectionPolicy is one (404 when it is of another type), and
// a cast policy has its units view. $select works on policies and on one
// policy; protectionPolicyArtifactCount ({completed, failed, inProgress,
// total}, counted from the policy's units, see the behaviour choices) is
// written only when $select names it, as the service does. An unknown
// policy is 404 PolicyNotFound, a malformed ID 400 InvalidPolicyId. Reads
// need Configuration.Read.All or ReadWrite.All.
//
// PATCH …/{typed}/{id} with "siteProtectionUnits@delta" (drive…, mailbox…)
// removes units ({"@removed":{"reason":"changed"},"id":…}) and adds new
// ones ({"siteId":…} or {"directoryObjectId":…}); it needs ReadWrite.All,
// delegated or application. A removed unit goes to removeRequested (policyId
// kept, the policy "updating") and, after Options.RemovalDelay, to
// unprotected with policyId "" and protectionSources none; an added
// artifact becomes a new unit in protectRequested, protected after
// Options.ProtectDelay. The answer (200) is the policy with one echo entry
// per item; a failed item (unknown unit, unit of another policy, already
// removed or being removed, in the offboarding flow, artifact already
// protected) is written in Options.DeltaErrorShape. The whole request fails,
// changing nothing: 400 for a malformed body or another workload's @delta
// key, 404 PolicyNotFound, 413 ProtectionUnitsLimitBreached above
// Options.MaxDeltaItems (50) items, 403 CodeProtectionChangeLocked unless
// the service status is enabled, 400 DuplicateProtectionUnitInList for a unit
// or artifact named twice, 400 ProtectionUnitActionNotAllowed when a
// removal names a unit of the policy whose protectionSources include
// dynamicRule. An "@odata.type" in the body (msgraph-sdk-go sends one) is
// accepted when it names the path's type. Every transition is recorded
// (CauseRemove, CauseRemoved, CauseAdd, CauseProtected) with the policy's
// ID.
//
// GET /solutions/backupRestore answers the tenant's serviceStatus
// (SetServiceStatus, UpdateServiceStatus); it needs
// BackupRestore-Control.Read.All or Control.ReadWrite.All, which the
// default test credentials and opaque tokens carry.
//
// Request bodies with Content-Encoding gzip (Kiota's compression handler)
// are decompressed on every route, $batch included; another encoding is a
// 415, after which Kiota resends uncompressed. $batch items may be PATCHes
// (a body needs a Content-Type header) and GETs of every route.
//
// # The protection side: creating policies, rules, bulk addition jobs
//
// Policies are created (POST on a typed collection: inactive, their units
// attached and unprotected), renamed (PATCH), activated and deactivated
// (202, updating for Options.ProtectDelay while the units move to
// protectRequested or unprotectRequested, then active or inactive) and
// deleted (204, only when inactive: the units leave, the policy's rules
// and jobs go with it). Inclusion rules are created under a policy (201,
// active), evaluated Options.RuleDelay later against the tenant's sites,
// users and groups (AddSite, AddUser, AddGroup, SeedDirectory), run again
// (static rules), updated (dynamic rules), deleted, and deleteAndUnprotect-ed
// (dynamic rules: deleteRequested for RuleDelay, then the rule goes and its
// units lose their dynamicRule source only). A dynamic rule follows its
// groups at once (AddGroup, SetGroupMembers): members who join are added
// with source dynamicRule, members who leave lose it (and, with no source
// left, their policy). Bulk addition jobs are created under a policy (201,
// active) and settle Options.JobDelay later: each item names a site (URL
// or ID) or a person (address or directory object ID); a known artifact no
// policy protects becomes a unit of the policy (protectRequested when the
// policy is active, else unprotected); the rest are the job's failures in
// error.details, each with code, message and target (the input):
// SiteUrlNotFound (the documented example), SiteNotFound, UserNotFound,
// ProtectionUnitAlreadyExists. Seed gives every seeded policy whose units
// carry dynamicRule the dynamic rule that protects them (a group of the
// units' people for OneDrive and Exchange).
//
// # What the emulator does not implement
//
// Everything else Microsoft Graph v1.0 has under /solutions/backupRestore
// answers 501 Not Implemented with code notSupported and a message saying
// the emulator does not implement it, never the 400 "Resource not found
// for the segment" a typo gets: restore points and sessions, browse
// sessions, service apps, the e-mail notification settings, the root's
// enable action and its PATCH and DELETE, POST on the root's rule and job
// collections (creates happen under a policy, as documented), PATCH and
// DELETE on a job, PATCH through protectionPolicies/{id}, and POST, PATCH
// and DELETE on the typed unit collections and a policy's units. A method
// v1.0 does not allow on a path is a 405 with Allow, as before.
// internal/conformance checks this list against Microsoft's published
// v1.0 metadata.
//
// # Throttling
//
// Options.Throttle (or Server.SetThrottle while running; cmd/emulator
// -throttle RATE[/BURST]) models Graph throttling with token buckets per
// app (the token's appid or azp claim), per tenant (tid) and per
// app+tenant; opaque tokens count as TestAppID in TestTenantID. Each HTTP
// request costs one token in every limited scope, a $batch one per item
// (its envelope is free). A request or item finding any of its buckets
// empty gets Graph's 429 TooManyRequests with Retry-After in fractional
// seconds ("2.128": when every bucket holds a token again), changes
// nothing, and still costs a token: buckets go into debt down to -Burst,
// so a client that ignores Retry-After stays throttled. The buckets run on
// the wall clock (time.Now), so testing/synctest drives them; the control
// API is never charged. Server.ThrottleStats reports the admitted and
// throttled counts, per bucket and per interval.
//
//	srv := fake.NewServer(&fake.Options{Throttle: &fake.ThrottleOptions{
//		AppTenant: fake.ThrottleLimit{Rate: 5, Burst: 10}, // 5 requests a second, bursts of 10
//	}})
//
// # The standalone emulator
//
// cmd/emulator serves a Server over HTTP for clients in any language,
// wrapped in the handler of package fake/control: the emulator's own
// control API under /_emulator/ (clock, seeding, faults, throttling,
// inspection, reset: everything the Server's methods do, as JSON) and the
// CORS answers a page in a browser needs. A Server on its own serves only
// /v1.0.
//
// # Behaviour choices where the service is silent
//
// Where the documentation says nothing, or two documents disagree, the
// emulator does as follows. Nothing here is a documented code the SDK's
// public sentinels depend on.
//
//   - An unknown unit ID answers 404 with code ProtectionUnitNotFound (the
//     error page lists ProtectionUnitNotFound as an error inside a 200 for
//     get; a 404 is what Graph answers for a missing entity).
//   - A policy PATCH while serviceStatus.status is not enabled answers 403
//     with code CodeProtectionChangeLocked ("ProtectionChangeLocked"). The
//     serviceStatus page says protectionChangeLocked and restoreLocked
//     forbid adding and removing units; what the service answers is not
//     documented, so read the service status first, as the SDK does.
//   - ProtectionUnitsLimitBreached is documented (413, more than 50 units)
//     for creating a policy; the emulator answers it for a PATCH whose
//     …@delta holds more than Options.MaxDeltaItems (50) items. The PATCH
//     documents no cap.
//   - A failed item of a PATCH: in DeltaErrorDataModification's shape,
//     info.code is always "Invalid" and responseCode 409, as in the only
//     documented instance; in DeltaErrorPublicError's, the code is
//     ProtectionUnitNotFound or ProtectionUnitAlreadyExists (the error
//     page's), and details[0].code names the emulator's own finer reason:
//     ProtectionUnitNotInPolicy, ProtectionUnitAlreadyRemoved,
//     ProtectionUnitRemoveAlreadyRequested, ProtectionUnitNotRemovable.
//     Those four are the emulator's inventions, not the service's.
//   - protectionPolicyArtifactCount counts the policy's units (those whose
//     policyId is the policy's): completed are protected, inProgress are
//     protectRequested, unprotectRequested or removeRequested, failed are
//     the others whose error property is set, total all of them. The
//     service documents the four numbers only in words.
//   - serviceStatus: the page lists disableReason controllerServiceAppDeleted
//     and backupServiceConsumer none, the v1.0 schema does not (it has
//     unknown where the page's table of values has none). The emulator
//     follows the schema by default (disableReason none,
//     backupServiceConsumer firstparty, which both list), because clients
//     generated from the schema (msgraph-sdk-go, the other Graph SDKs)
//     cannot parse the page-only members; UpdateServiceStatus and the
//     control API accept the page's members too and write them as given,
//     so a client can be tested against what the page says.
//   - A query option a route does not take is refused with 400 and ASP.NET
//     OData's words ("Query option 'OrderBy' is not allowed. …"), which
//     Graph's newer services answer with; an unknown $-option is "The
//     query parameter '$x' is not supported.".
//   - offboard and cancelOffboard require explicit binding: v1.0 binds
//     them on protectionUnits only (also after a cast to the unit's type:
//     …/protectionUnits/{id}/microsoft.graph.siteProtectionUnit/offboard,
//     404 when the unit is of another type), not on the typed collections
//     or a policy's units (400, as for any unknown segment).
//   - cancelOffboardRequested becomes unprotected after Options.CancelDelay
//     (default one hour); offboardRequested becomes offboarded after
//     Options.GracePeriod (default 90 days); protectRequested and
//     unprotectRequested become protected and unprotected after
//     Options.ProtectDelay (15 minutes); removeRequested becomes removed
//     after Options.RemovalDelay (10 minutes), whichever way the unit got
//     there (a PATCH, AddUnit, UpdateUnit, Seed). Timers run lazily on the
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
//   - Many policies per workload (the product page: up to 100; a unit in
//     one policy only). The activate page's "one active policy per
//     workload" is Options.OneActivePolicyPerWorkload: a create then
//     answers 409 PolicyCreationNotAllowed while a policy of the workload
//     is not inactive.
//   - A policy in the wrong state for activate, deactivate or delete
//     answers the error page's 403 PolicyActionNotAllowed with its
//     messages (the API pages' examples show 400 invalidStateForActivation
//     instead; the SDK matches both). Activate is allowed from inactive and
//     activeWithErrors, deactivate from active and activeWithErrors.
//   - A policy create refuses, answering as the error page lists: no or
//     a bad displayName (400 InvalidDisplayName), more than 50 units (413
//     ProtectionUnitsLimitBreached), an artifact ID of no site or user of
//     the tenant (400 InvalidProtectionUnitId), an artifact named twice
//     (400 DuplicateProtectionUnitInList), one already in a policy (409
//     ProtectionUnitAlreadyExists). A locked tenant refuses every write of
//     the protection side as it refuses the PATCH.
//   - Durations: RuleDelay 2 minutes, JobDelay 5 minutes, activation and
//     deactivation ProtectDelay (15 minutes); the service documents none.
//   - A job takes at most Options.MaxJobItems items (50,000, the admin
//     centre's CSV; more: 413 ProtectionUnitsLimitBreached) in one batch:
//     all its items settle at once, JobDelay after the create. A job that
//     names no item, or a member that is not an array of strings, is a 400
//     InvalidCreateRequest. error.code of a job (and of a rule evaluation)
//     with failures is BulkAdditionCompletedWithErrors
//     (RuleEvaluationCompletedWithErrors); the service's is undocumented.
//   - Unknown items' codes: SiteUrlNotFound for a URL (documented),
//     SiteNotFound for a site ID, UserNotFound for an address or ID
//     (undocumented; the emulator's).
//   - Expressions: a site rule is (siteName -contains 'kw') or
//     (siteUrl -contains 'kw') terms joined by -or, 1 to 10 keywords of 3
//     to 255 characters (the product page's limits); a drive or mailbox
//     rule is (memberOf -any (group.id -in ['<id>', …])), 1 to 100 group
//     IDs (more: 413 InvalidRuleExpressionGroupLimitExceeded). Anything
//     else is 400 InvalidRuleExpression. A site rule cannot be dynamic
//     (400 InvalidInclusionRuleCreateRequest), except the ones Seed makes
//     for seeded site units that carry dynamicRule.
//   - A static rule's units carry source manual; a dynamic rule's carry
//     dynamicRule (added to manual when the unit was added by hand).
//     Deleting a dynamic rule (DELETE, not deleteAndUnprotect) keeps its
//     units, their dynamicRule source turned into manual, so that they can
//     be removed by hand.
//   - run answers 202 (the examples; the text says 200), deleteAndUnprotect
//     202 with the rule wrapped in {"value": …} as its example shows, and
//     on a static rule 400 ProtectionRuleActionNotAllowed.
//   - A rule's updateRequested and deleteRequested come after
//     unknownFutureValue in protectionRuleStatus: without Prefer:
//     include-unknown-enum-members they are sent as unknownFutureValue.
//   - A rule or job that is not in the path's policy, or of another
//     workload, is 404 (ProtectionRuleNotFound for rules, NotFound for
//     jobs: no code is documented).
package fake
