// Package backuprestore is a Go client for the Microsoft Graph Backup
// Storage API (Microsoft 365 Backup) around protection units: list and get
// units and policies, create and change policies, inclusion rules and bulk
// addition jobs, remove units from their policy, offboard them, and
// cancel an offboarding
// (POST /solutions/backupRestore/protectionUnits/{id}/cancelOffboard), one
// at a time, in bulk through JSON batching, or as a whole resumable run
// (package offboarding: gate, read, remove, wait, offboard).
//
// It is built on Kiota's abstractions and HTTP pipeline, so a Kiota
// RequestAdapter (msgraph-sdk-go's, for example) can be reused with
// [NewClientWithAdapter], and every model implements Kiota's Parsable.
//
//	cred, _ := azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{TenantID: tenant, ClientID: app})
//	c, _ := backuprestore.NewClient(cred, nil)
//	unit, err := c.ProtectionUnits().ByID(id).CancelOffboard().Post(ctx, nil)
//
// # Authentication
//
// [NewClient] takes any azcore.TokenCredential. Tokens are requested for
// Options.Scopes (default https://graph.microsoft.com/.default) and sent only
// to Options.BaseURL's scheme, host and port, over https (plain http only to
// a loopback emulator). Offboard and cancelOffboard accept only delegated
// (user) tokens with BackupRestore-Configuration.ReadWrite.All: when the
// credential returns an app-only JWT (no scp claim) they fail with
// [ErrDelegatedAuthRequired] before anything is sent. The API exists only in
// the global cloud; the national clouds fail with [ErrUnsupportedCloud].
//
// # Signing in an admin
//
// Ask for the scopes the calls need ([ScopeConfigurationRead],
// [ScopeConfigurationReadWrite], [ScopeControlRead]) in Options.Scopes
// rather than .default, with a client an administrator consented them to
// (a public client registration: see docs/sign-in.md). A service that
// offboards holds a signed-in admin's token: the admin signs in once
// (azidentity's InteractiveBrowserCredential or DeviceCodeCredential,
// Authenticate with EnableCAE set, as the client asks for tokens with CAE
// on), the service keeps the AuthenticationRecord and azidentity's
// persistent cache (github.com/Azure/azure-sdk-for-go/sdk/azidentity/cache,
// encrypted by the OS), and builds its credential with both and
// DisableAutomaticAuthentication: tokens then come silently, renewed from
// the refresh token (Example_signedInService). What fails is typed: an
// app-only token, [ErrDelegatedAuthRequired] before anything is sent; a
// token without the permission, the service's 403 ([ErrForbidden]); a
// sign-in that cannot get a token silently any more, [ErrCredential]
// wrapping *azidentity.AuthenticationRequiredError; a permission not
// consented, [ErrCredential] wrapping azidentity's error with Entra ID's
// AADSTS65001. Package fake/identity emulates Entra ID for all of this.
//
// # Errors
//
// Every response that is not a success is an [*Error] (status, Graph code,
// message, request-id, client-request-id, Retry-After, headers), whatever
// its body was. Classify with errors.Is and the sentinels:
//
//	_, err := c.ProtectionUnits().ByID(id).CancelOffboard().Post(ctx, nil)
//	if errors.Is(err, backuprestore.ErrOperationNotAllowed) {
//		// the unit is not offboarding
//	}
//	if e, ok := errors.AsType[*backuprestore.Error](err); ok {
//		log.Printf("status %d, code %s, request-id %s", e.StatusCode, e.Code, e.RequestID)
//	}
//
// Failures without a response keep their cause: a malformed ID wraps
// [ErrInvalidProtectionUnitID], a context that ended wraps
// context.Canceled or context.DeadlineExceeded.
//
// # Outcomes
//
// Every result is true: success only with evidence that the call did it
// (the service's 2xx, or a read-back showing this call's action after its
// answer was lost); the service's own error when it answered; [ErrNotSent]
// when nothing reached the wire (told apart with net/http/httptrace);
// [ErrOutcomeUnknown] only when request bytes were written and nothing
// could settle what happened. [WithCaptureResponse] hands any call's
// response metadata to the caller. One decision table decides every
// write's outcome, for a single action, a $batch item and a policy PATCH
// alike (see the Outcomes section of the README).
//
// # Failed
//
// Every result type has a Failed method, and it means the same everywhere:
// the results whose change did not happen and was needed, because the
// service refused it, it could not be sent, or its outcome is unknown
// ([BulkResults.Failed]: every result with an error; [PolicyChangeResults.Failed]:
// every result with an error but [ErrAlreadyInState], since nothing was
// needed; offboarding.Results.Failed: outcomes Failed and Unknown, since a
// skipped, already-done or pending unit has not failed).
//
// # The protection side
//
// Policies are created per workload
// (ProtectionPolicies().SharePoint().Create, at most [MaxUnitsPerCreate]
// units), renamed, activated, deactivated and deleted; inclusion rules are
// listed, read, created, updated, run, deleted and deleteAndUnprotect-ed
// under a policy (ProtectionPolicyItemRequestBuilder.InclusionRules) or at
// the root ([Client.InclusionRules]); bulk addition jobs are created from
// targets ([ClassifyTarget] sorts them), read, listed and waited for
// ([Client.BulkAdditionJobs]); [ProtectionPolicyItemRequestBuilder.Statistics]
// counts a policy's units per status. These writes consult the same
// outcome table as the actions; a create whose answer is lost is looked
// for before it is ever sent again, so one call never makes two objects.
// Package onboarding adds many targets through jobs, resumably.
//
// # Paging
//
// [ProtectionUnitsRequestBuilder.All] and [ProtectionUnitsRequestBuilder.Pages]
// are lazy iterators that follow @odata.nextLink verbatim, only to the
// configured origin, and stop at a repeated link. A saved page.NextLink
// resumes a listing through [ListOptions].NextLink.
//
// # Throttling
//
// Responses 429 and 503 (and 504 for reads) are retried after Retry-After
// (fractional seconds or an HTTP date) or an exponential backoff with
// jitter, up to [RetryOptions].MaxRetries; a delay over MaxRetryDelay is
// not slept: the [*Error] is returned with RetryAfter set. Bulk calls and
// runs share one adaptive scheduler per client (see [BulkOptions]): a
// token bucket per item whose rate follows CUBIC on 429s.
//
// # Testing
//
// Package fake is an in-memory emulator of the API with real state (units,
// policies, the @delta PATCH, the service status), paging, $batch,
// permissions, Graph-like throttling, time control and fault injection.
// Plug it in with Options.HTTPClient = srv.Client() and Options.BaseURL =
// fake.DefaultBaseURL; see its documentation and the examples.
package backuprestore
