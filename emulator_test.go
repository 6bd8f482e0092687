package backuprestore

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

func TestListAgainstEmulator(t *testing.T) {
	t.Parallel()
	for _, pageSize := range []int{1, 7, 100, 999} {
		t.Run(fmt.Sprintf("page size %d", pageSize), func(t *testing.T) {
			t.Parallel()
			n := 2500
			if pageSize == 1 {
				n = 300 // one request per unit
			}
			rig := newRig(t, rigOptions{units: n, fake: &fake.Options{PageSize: pageSize, Seed: 1, MaxRecordedRequests: -1}})
			srv, c := rig.srv, rig.c
			var got []string
			for u, err := range c.ProtectionUnits().All(t.Context(), nil) {
				require.NoError(t, err)
				got = append(got, u.ID)
			}
			var want []string
			for _, u := range srv.Units() {
				want = append(want, u.ID)
			}
			require.Len(t, got, n)
			require.ElementsMatch(t, want, got, "every unit exactly once")
		})
	}

	// The subtests below share one emulator and run one after the other.
	rig := newRig(t, rigOptions{units: 2500, fake: &fake.Options{Seed: 2}})
	srv, c := rig.srv, rig.c

	t.Run("pages and count", func(t *testing.T) {
		pages := 0
		for page, err := range c.ProtectionUnits().Pages(t.Context(), &ListOptions{Top: 50, Count: true}) {
			require.NoError(t, err)
			if pages == 0 {
				require.NotNil(t, page.Count)
				require.EqualValues(t, 2500, *page.Count)
			}
			require.LessOrEqual(t, len(page.Value), 50)
			pages++
		}
		require.Equal(t, 50, pages)
	})

	t.Run("break after the first item", func(t *testing.T) {
		srv.ResetInspection()
		for u, err := range c.ProtectionUnits().All(t.Context(), nil) {
			require.NoError(t, err)
			require.NotEmpty(t, u.ID)
			break
		}
		require.Equal(t, 1, countRoute(srv, fake.RouteList), "no further request")
	})

	t.Run("context cancelled mid-way", func(t *testing.T) {
		srv.ResetInspection()
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		n := 0
		var gotErr error
		for _, err := range c.ProtectionUnits().All(ctx, nil) {
			if err != nil {
				gotErr = err
				continue
			}
			if n++; n == 150 {
				cancel()
			}
		}
		require.ErrorIs(t, gotErr, context.Canceled)
		require.Equal(t, 200, n, "the page in hand is finished, the next is not fetched")
		require.Equal(t, 2, countRoute(srv, fake.RouteList))
	})

	t.Run("casts", func(t *testing.T) {
		for _, tc := range []struct {
			b    *ProtectionUnitsRequestBuilder
			kind models.UnitKind
		}{
			{c.ProtectionUnits().Sites(), models.KindSite},
			{c.ProtectionUnits().Drives(), models.KindDrive},
			{c.ProtectionUnits().Mailboxes(), models.KindMailbox},
		} {
			var got, want []string
			for u, err := range tc.b.All(t.Context(), nil) {
				require.NoError(t, err)
				require.Equal(t, tc.kind, u.Kind())
				got = append(got, u.ID)
			}
			for _, u := range srv.Units() {
				if u.Kind == tc.kind {
					want = append(want, u.ID)
				}
			}
			require.NotEmpty(t, want)
			require.ElementsMatch(t, want, got, tc.kind.String())
		}
	})

	t.Run("filter by status", func(t *testing.T) {
		for _, status := range []models.ProtectionUnitStatus{models.StatusOffboardRequested, models.StatusProtected, models.StatusCancelOffboardRequested} {
			var got, want []string
			for u, err := range c.ProtectionUnits().All(t.Context(), &ListOptions{Filter: fmt.Sprintf("status eq '%s'", status)}) {
				require.NoError(t, err)
				require.Equal(t, status, u.Status)
				got = append(got, u.ID)
			}
			for _, u := range srv.Units() {
				if u.Status == status {
					want = append(want, u.ID)
				}
			}
			require.NotEmpty(t, want, status)
			require.ElementsMatch(t, want, got, status)
		}
	})

	t.Run("an unsupported filter is a 400", func(t *testing.T) {
		_, err := c.ProtectionUnits().Get(t.Context(), &ListOptions{Filter: "siteName eq 'x'"})
		require.ErrorIs(t, err, ErrBadRequest)
	})

	t.Run("resume from a saved nextLink", func(t *testing.T) {
		first, err := c.ProtectionUnits().Get(t.Context(), &ListOptions{Top: 100})
		require.NoError(t, err)
		require.NotEmpty(t, first.NextLink)
		seen := map[string]bool{}
		for _, u := range first.Value {
			seen[u.ID] = true
		}
		for u, err := range c.ProtectionUnits().All(t.Context(), &ListOptions{NextLink: first.NextLink}) {
			require.NoError(t, err)
			require.False(t, seen[u.ID], "no unit twice")
			seen[u.ID] = true
		}
		require.Len(t, seen, 2500)
	})
}

// The offboarding states are visible because the client sends the Prefer
// opt-in; without it the emulator, like the service, reports
// unknownFutureValue.
func TestOffboardingStatesAreVisible(t *testing.T) {
	t.Parallel()
	c := newRig(t, rigOptions{units: 40}).c
	statuses := map[models.ProtectionUnitStatus]bool{}
	for u, err := range c.ProtectionUnits().All(t.Context(), nil) {
		require.NoError(t, err)
		statuses[u.Status] = true
	}
	for _, s := range []models.ProtectionUnitStatus{models.StatusOffboardRequested, models.StatusOffboarded, models.StatusCancelOffboardRequested} {
		require.True(t, statuses[s], s)
	}
	require.False(t, statuses[models.StatusUnknownFutureValue])
}

func TestActionsAgainstEmulator(t *testing.T) {
	t.Parallel()
	rig := newRig(t, rigOptions{})
	srv, c := rig.srv, rig.c
	require.NoError(t, srv.AddUnit(fake.Unit{Kind: models.KindSite, ID: "site-1", SiteID: "contoso.sharepoint.com,a,b", Status: models.StatusUnprotected}))
	require.NoError(t, srv.AddUnit(fake.Unit{Kind: models.KindMailbox, ID: "mbx-1", PolicyID: "p1", Status: models.StatusProtected}))
	ctx := t.Context()

	u, err := c.ProtectionUnits().ByID("site-1").Offboard().Post(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, models.StatusOffboardRequested, u.Status)
	require.Equal(t, srv.Now(), u.OffboardRequestedDateTime)
	require.NotNil(t, u.LastModifiedBy.User, "the caller")

	u, err = c.ProtectionUnits().ByID("site-1").CancelOffboard().Post(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, models.StatusCancelOffboardRequested, u.Status)

	_, err = c.ProtectionUnits().ByID("mbx-1").Offboard().Post(ctx, nil)
	require.ErrorIs(t, err, ErrOperationNotAllowed)
	e, _ := errors.AsType[*Error](err)
	require.Equal(t, "Can't process this request as it is not in valid state.", e.Message)
	require.NotEmpty(t, e.RequestID)

	_, err = c.ProtectionUnits().ByID("nope").Get(ctx, nil)
	require.ErrorIs(t, err, ErrNotFound)

	app := rig.client(t, fake.NewAppCredential(fake.PermissionReadWrite), nil)
	_, err = app.ProtectionUnits().ByID("site-1").Get(ctx, nil)
	require.NoError(t, err, "reads accept application permissions")
	_, err = app.ProtectionUnits().ByID("site-1").CancelOffboard().Post(ctx, nil)
	require.ErrorIs(t, err, ErrDelegatedAuthRequired)
}

// 10,000 cancels with about 10% injected faults: 429s inside batches, 503s
// on $batch, resets after the state change was applied. Every ID gets one
// final outcome, no unit changes twice, and nothing applied is reported as
// failed.
func TestBulkExactlyOnceUnderFaults(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const n = 10000
		rig := newRig(t, rigOptions{fake: &fake.Options{Seed: 42, MaxRecordedRequests: -1}})
		srv, c := rig.srv, rig.c
		ids := make([]string, n)
		for i := range ids {
			ids[i] = fmt.Sprintf("unit-%05d", i)
			kind := []models.UnitKind{models.KindSite, models.KindDrive, models.KindMailbox}[i%3]
			u := fake.Unit{Kind: kind, ID: ids[i], Status: models.StatusOffboardRequested}
			if kind == models.KindSite {
				u.SiteID = "contoso.sharepoint.com,site," + ids[i]
			} else {
				u.DirectoryObjectID = "obj-" + ids[i]
			}
			require.NoError(t, srv.AddUnit(u))
		}
		throttle := srv.AddFault(fake.Fault{InBatch: true, Route: fake.RouteCancelOffboard, Kind: fake.FaultStatus, Status: 429, RetryAfter: "2.5", Probability: 0.05})
		unavailable := srv.AddFault(fake.Fault{Route: fake.RouteBatch, Kind: fake.FaultStatus, Status: 503, RetryAfter: "1", Probability: 0.03})
		reset := srv.AddFault(fake.Fault{Route: fake.RouteBatch, Kind: fake.FaultResetAfter, Probability: 0.03})

		var last [3]int
		res := c.ProtectionUnits().CancelOffboardAll(t.Context(), append(ids, ids[:50]...), &BulkOptions{
			OnProgress: func(done, total, failed int) { last = [3]int{done, total, failed} },
		})
		require.Len(t, res, n, "one outcome per distinct ID")
		require.Equal(t, [3]int{n, n, 0}, last)
		require.Positive(t, srv.FaultHits(throttle))
		require.Positive(t, srv.FaultHits(unavailable))
		require.Positive(t, srv.FaultHits(reset))

		reconciled, retried := 0, 0
		for _, r := range res {
			applied := 0
			for _, tr := range srv.Transitions(r.ID) {
				if tr.Cause == fake.CauseCancelOffboard {
					applied++
				}
			}
			require.LessOrEqual(t, applied, 1, "%s changed twice", r.ID)
			if r.Err != nil {
				require.Zero(t, applied, "%s was applied but reported as failed: %v", r.ID, r.Err)
				continue
			}
			require.Equal(t, 1, applied, r.ID)
			require.Equal(t, models.StatusCancelOffboardRequested, r.Unit.Status)
			if r.Reconciled {
				reconciled++
			}
			if r.Attempts > 1 {
				retried++
			}
		}
		require.Empty(t, res.Failed())
		require.Positive(t, reconciled, "resets after apply were reconciled by reading back")
		require.Positive(t, retried, "throttled items were sent again")
		t.Logf("reconciled %d, retried %d; faults hit: 429 items %d, 503 batches %d, resets %d",
			reconciled, retried, srv.FaultHits(throttle), srv.FaultHits(unavailable), srv.FaultHits(reset))
	})
}

// The emulator over a real loopback socket, as cmd/emulator serves it:
// plain http to 127.0.0.1, absolute nextLinks on that origin.
func TestEmulatorOverLoopback(t *testing.T) {
	t.Parallel()
	srv := fake.NewServer(&fake.Options{PageSize: 10})
	srv.Seed(45)
	c := newRig(t, rigOptions{handler: srv.ServeHTTP, cred: fake.NewOpaqueCredential("any-opaque-token")}).c
	n := 0
	var offboarding string
	for u, err := range c.ProtectionUnits().All(t.Context(), nil) {
		require.NoError(t, err)
		if u.Status == models.StatusOffboardRequested {
			offboarding = u.ID
		}
		n++
	}
	require.Equal(t, 45, n)
	u, err := c.ProtectionUnits().ByID(offboarding).CancelOffboard().Post(t.Context(), nil)
	require.NoError(t, err)
	require.Equal(t, models.StatusCancelOffboardRequested, u.Status)
	res := c.ProtectionUnits().OffboardAll(t.Context(), []string{offboarding}, nil)
	require.ErrorIs(t, res[0].Err, ErrOperationNotAllowed)
}
