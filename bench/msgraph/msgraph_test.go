// Package msgraph benchmarks msgraph-sdk-go against the servers of
// benchserver, as the msgraph contender of the bench benchmarks: each
// benchmark here has the name of its bench counterpart and one
// sub-benchmark, msgraph, so report.sh can put the two modules' output in
// one table. It is its own module so that compiling bench (what CI does)
// never compiles msgraph-sdk-go, a 30,000-file module that takes minutes
// and gigabytes to compile cold.
package msgraph

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	abs "github.com/microsoft/kiota-abstractions-go"
	azauth "github.com/microsoft/kiota-authentication-azure-go"
	khttp "github.com/microsoft/kiota-http-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	msmodels "github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/m365kit/backuprestore/bench/benchserver"
)

// graphScopes are the scopes both SDKs ask the credential for.
var graphScopes = []string{"https://graph.microsoft.com/.default"}

// newMSGraph builds msgraph-sdk-go's client the way
// NewGraphServiceClientWithCredentials does (Azure Identity auth provider,
// GraphRequestAdapter, msgraph-sdk-go-core's default middleware), with three
// changes so it talks to the loopback server like the other contenders:
//   - the auth provider's allowed hosts are ["127.0.0.1"] (its defaults are
//     the Graph hosts, and a host not allowed silently gets no token);
//   - the middleware's parent transport is benchserver.LoopbackTransport();
//   - the http.Client has no Timeout, like the other contenders' (msgraph's
//     default 100 s Timeout makes Kiota wrap every deadline-less call in a
//     context.WithTimeout whose cancel is dropped; that cost is not measured).
func newMSGraph(tb testing.TB, base string) (*msgraphsdk.GraphServiceClient, *msgraphsdk.GraphRequestAdapter) {
	tb.Helper()
	auth, err := azauth.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(benchserver.StaticCred{}, graphScopes, []string{"127.0.0.1"})
	if err != nil {
		tb.Fatal(err)
	}
	opts := msgraphsdk.GetDefaultClientOptions()
	hc := &http.Client{
		Transport: khttp.NewCustomTransportWithParentTransport(benchserver.LoopbackTransport(), msgraphcore.GetDefaultMiddlewaresWithOptions(&opts)...),
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	adapter, err := msgraphsdk.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, nil, nil, hc)
	if err != nil {
		tb.Fatal(err)
	}
	// Before NewGraphServiceClient: it copies the base URL into its path
	// parameters.
	adapter.SetBaseUrl(base)
	return msgraphsdk.NewGraphServiceClient(adapter), adapter
}

// msgraphHeaders are the extra headers every msgraph call sends, so that it
// sends what the other contenders send.
func msgraphHeaders() *abs.RequestHeaders {
	h := abs.NewRequestHeaders()
	h.Add("Prefer", "include-unknown-enum-members")
	return h
}

// msgraphUnitOK reports whether u is the seed unit after cancelOffboard.
func msgraphUnitOK(u msmodels.ProtectionUnitBaseable) bool {
	if u == nil || u.GetId() == nil || *u.GetId() != benchserver.UnitID {
		return false
	}
	st := u.GetStatus()
	return st != nil && *st == msmodels.CANCELOFFBOARDREQUESTED_PROTECTIONUNITSTATUS
}

// msgraphOperationNotAllowed reports whether err is msgraph's typed error for
// the seed 403. It reads the code through the getters and never calls
// (*ODataError).Error, which panics when the body has no message.
func msgraphOperationNotAllowed(err error) bool {
	var oe *odataerrors.ODataError
	if !errors.As(err, &oe) || oe.ResponseStatusCode != http.StatusForbidden {
		return false
	}
	main := oe.GetErrorEscaped()
	return main != nil && main.GetCode() != nil && *main.GetCode() == "OperationNotAllowed"
}

// safeErr formats err without trusting it: msgraph-sdk-go's
// (*ODataError).Error dereferences the message and panics when the body had
// none.
func safeErr(err error) (s string) {
	if err == nil {
		return "<nil>"
	}
	defer func() {
		if r := recover(); r != nil {
			s = fmt.Sprintf("%T (its Error() panicked: %v)", err, r)
		}
	}()
	return err.Error()
}
