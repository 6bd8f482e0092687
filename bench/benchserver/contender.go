package benchserver

import (
	"context"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

const (
	// UnitID is the ID of the seed unit, the one every cancelOffboard
	// targets.
	UnitID = "89014d8c-71fe-4d00-a01a-31850bc5b32c"
	// Token is the opaque bearer token every contender must send: the
	// servers refuse a request without it.
	Token = "bench-opaque-token"
)

// StaticCred is an azcore.TokenCredential that returns Token, valid for a
// day, for any scope. It never fails.
type StaticCred struct{}

// GetToken returns Token; it never fails.
func (StaticCred) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: Token, ExpiresOn: time.Now().Add(24 * time.Hour)}, nil
}

// LoopbackTransport returns a new clone of http.DefaultTransport with
// MaxIdleConnsPerHost 128, the transport of every contender, so they all
// reuse connections the same way. It cannot fail.
func LoopbackTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 128
	return t
}
