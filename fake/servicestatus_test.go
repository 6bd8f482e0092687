package fake_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

func TestServiceStatus(t *testing.T) {
	e := newEnv(t, nil)
	r := e.do("GET", brRoot)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.Equal(t, `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#solutions/backupRestore/$entity","id":"`+fake.TestTenantID+`",`+
		`"serviceStatus":{"status":"enabled","disableReason":"none","backupServiceConsumer":"firstparty","gracePeriodDateTime":null,`+
		`"restoreAllowedTillDateTime":null,"lastModifiedDateTime":"2026-01-01T00:00:00.0000000Z",`+
		`"lastModifiedBy":{"application":{"id":"1fec8e78-bce4-4aaf-ab1b-5451cc387264","displayName":"Microsoft Enhanced Restore"}}}}`, string(r.body))
	require.Equal(t, 400, e.do("GET", brRoot+"?$top=1").status)

	e.srv.Advance(time.Hour)
	require.NoError(t, e.srv.SetServiceStatus(models.ServiceRestoreLocked))
	grace := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	st, err := e.srv.UpdateServiceStatus(func(st *fake.ServiceStatus) {
		st.DisableReason = fake.DisableReasonInvalidBillingProfile
		st.GracePeriodDateTime = grace
		st.RestoreAllowedTillDateTime = grace.Add(24 * time.Hour)
		st.BackupServiceConsumer = fake.ConsumerThirdParty
	})
	require.NoError(t, err)
	require.Equal(t, models.ServiceRestoreLocked, st.Status)
	require.Equal(t, e.srv.Now(), st.LastModifiedDateTime)
	m := e.do("GET", brRoot).json(t)["serviceStatus"].(map[string]any)
	require.Equal(t, "restoreLocked", m["status"])
	require.Equal(t, "invalidBillingProfile", m["disableReason"])
	require.Equal(t, "thirdparty", m["backupServiceConsumer"])
	require.Equal(t, "2026-03-01T00:00:00.0000000Z", m["gracePeriodDateTime"])
	require.Equal(t, "2026-03-02T00:00:00.0000000Z", m["restoreAllowedTillDateTime"])
	require.Equal(t, "2026-01-01T01:00:00.0000000Z", m["lastModifiedDateTime"])

	// Bad values change nothing.
	for _, bad := range []func(*fake.ServiceStatus){
		func(s *fake.ServiceStatus) { s.Status = models.ServiceUnknownFutureValue },
		func(s *fake.ServiceStatus) { s.Status = "paused" },
		func(s *fake.ServiceStatus) { s.DisableReason = "bored" },
		func(s *fake.ServiceStatus) { s.BackupServiceConsumer = "someone" },
	} {
		_, err := e.srv.UpdateServiceStatus(bad)
		require.Error(t, err)
	}
	require.Error(t, e.srv.SetServiceStatus(""))
	require.Equal(t, st, e.srv.ServiceStatus())

	// An unknown initial status is served verbatim and refuses the PATCH.
	e = policyEnv(t, &fake.Options{ServiceStatus: "somethingNew"})
	require.Equal(t, "somethingNew", e.do("GET", brRoot).json(t)["serviceStatus"].(map[string]any)["status"])
	require.Equal(t, http.StatusForbidden, e.patch(sp, "sp-1", deltaBody(t, sp, removal("s1"))).status)
	e.srv.Reset()
	require.Equal(t, models.BackupServiceStatus("somethingNew"), e.srv.ServiceStatus().Status, "Reset restores the configured status")
	require.Empty(t, e.srv.Policies(), "Reset forgets the policies")
}

func TestLifecycleConcurrency(t *testing.T) {
	e := newEnv(t, &fake.Options{MaxDeltaItems: -1})
	e.addPolicy("p", sp)
	const n = 120
	for i := range n {
		e.add(site(fmt.Sprintf("u%03d", i), models.StatusProtected, "p"))
	}
	// Many clients race to remove the same units, in overlapping chunks,
	// while others read the policy and its units and the clock moves.
	var wg sync.WaitGroup
	accepted := make([]int, n)
	var mu sync.Mutex
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for start := (w * 7) % n; start < n; start += 13 {
				var items []map[string]any
				for j := start; j < min(start+9, n); j++ {
					items = append(items, removal(fmt.Sprintf("u%03d", j)))
				}
				r := e.patch(sp, "p", deltaBody(t, sp, items...))
				if r.status != http.StatusOK {
					t.Errorf("PATCH: %d %s", r.status, r.body)
					return
				}
				for _, it := range deltaEcho(t, r, sp) {
					if it["status"] == "removeRequested" {
						var idx int
						fmt.Sscanf(it["id"].(string), "u%03d", &idx)
						mu.Lock()
						accepted[idx]++
						mu.Unlock()
					}
				}
			}
		}()
	}
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				e.do("GET", brRoot+"/protectionPolicies")
				e.do("GET", policyPath(sp, "p", "siteProtectionUnits")+"?$top=7")
				e.srv.Policies()
				e.srv.Advance(time.Second)
			}
		}()
	}
	wg.Wait()
	e.srv.Advance(fake.DefaultRemovalDelay)
	for i := range n {
		id := fmt.Sprintf("u%03d", i)
		ts := e.srv.Transitions(id)
		removes := causes(ts, fake.CauseRemove)
		require.Equal(t, accepted[i], removes, id)
		require.LessOrEqual(t, removes, 1, "%s removed at most once", id)
		if removes == 1 {
			require.Equal(t, 1, causes(ts, fake.CauseRemoved), id)
			require.Empty(t, e.unit(id).PolicyID)
		}
	}
	require.NotEqual(t, models.PolicyStatusUpdating, e.policyStatus("p"))
}
