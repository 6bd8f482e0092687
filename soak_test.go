package backuprestore

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// soakCalls is the number of calls of the soak test.
const soakCalls = 100_000

// Soak: 100,000 calls against the emulator with 10% injected faults. Every
// call ends with a unit or a typed error, and the heap after a forced GC
// stays within a few MB of where it was after the first 1,000 calls.
//
// Not parallel: it measures the heap, which other tests would grow.
func TestSoak(t *testing.T) {
	synctest.Test(t, func(t *testing.T) { // Retry-After waits take no real time
		// One fixed token for the whole run: fake.Credential records every
		// call and mints a new token each second (filling the emulator's
		// bounded token cache), and the heap measured here is the client's.
		fc := fake.NewDelegatedCredential()
		fc.SetClaim("exp", time.Now().Add(24*time.Hour).Unix())
		rig := newRig(t, rigOptions{units: 200, fake: &fake.Options{Seed: 99, MaxRecordedRequests: -1, PageSize: 50},
			cred: staticCred(fc.Token())})
		srv, c, units := rig.srv, rig.c, rig.units
		for _, f := range []fake.Fault{
			{Kind: fake.FaultStatus, Status: 429, RetryAfter: "0.5", Probability: 0.03},
			{Kind: fake.FaultStatus, Status: 503, Probability: 0.02},
			{Kind: fake.FaultStatus, Status: 500, Probability: 0.01},
			{Kind: fake.FaultResetBefore, Probability: 0.01},
			{Kind: fake.FaultResetAfter, Probability: 0.01},
			{Kind: fake.FaultTruncatedBody, Probability: 0.01},
			{Kind: fake.FaultHTMLBody, Probability: 0.01},
		} {
			srv.AddFault(f)
		}
		ctx := context.Background()

		outcomes := map[string]int{}
		call := func(i int) {
			id := units[i%len(units)].ID
			var u *models.ProtectionUnit
			var err error
			switch i % 10 {
			case 0, 1, 2, 3, 4, 5:
				u, err = c.ProtectionUnits().ByID(id).Get(ctx, nil)
			case 6, 7:
				u, err = c.ProtectionUnits().ByID(id).CancelOffboard().Post(ctx, nil)
			case 8:
				u, err = c.ProtectionUnits().ByID(id).Offboard().Post(ctx, nil)
			default:
				var page *models.ProtectionUnitPage
				page, err = c.ProtectionUnits().Get(ctx, &ListOptions{Top: 5})
				if err == nil {
					u = page.Value[0]
				}
			}
			outcomes[classify(t, u, err)]++
		}
		for i := range 1000 {
			call(i)
		}
		base := heapAfterGC()
		for i := 1000; i < soakCalls; i++ {
			call(i)
		}
		after := heapAfterGC()
		t.Logf("outcomes over %d calls: %v", soakCalls, outcomes)
		t.Logf("heap after 1,000 calls %d KiB, after %d calls %d KiB", base>>10, soakCalls, after>>10)
		require.Less(t, int64(after)-int64(base), int64(4<<20), "heap grew by more than 4 MiB")
		require.Positive(t, outcomes["unit"])
		require.Positive(t, outcomes["*Error"])
	})
}

// classify checks a call ended with a unit or a typed error, and names it.
func classify(t *testing.T, u *models.ProtectionUnit, err error) string {
	t.Helper()
	switch {
	case err == nil:
		require.NotNil(t, u)
		require.NotEmpty(t, u.ID)
		return "unit"
	case u != nil:
		t.Fatalf("both a unit and an error: %v", err)
	}
	if _, ok := errors.AsType[*Error](err); ok {
		return "*Error"
	}
	for _, typed := range []error{syscall.ECONNRESET, ErrOutcomeUnknown} {
		if errors.Is(err, typed) {
			return fmt.Sprint(typed)
		}
	}
	t.Fatalf("untyped error %T: %v", err, err)
	return ""
}

// staticCred hands out one token and records nothing.
type staticCred string

func (c staticCred) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(c), ExpiresOn: time.Now().Add(time.Hour)}, nil
}
