package emuproc

import (
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/m365kit/backuprestore/fake"
)

func TestMain(m *testing.M) {
	ServeIfChild()
	os.Exit(m.Run())
}

// TestStart starts a throttled emulator with latency, sends it three
// requests through a bucket of two, and reads the counts back.
func TestStart(t *testing.T) {
	e, err := Start(Config{OffboardRequested: 3, Latency: 30 * time.Millisecond,
		Throttle: &fake.ThrottleOptions{AppTenant: fake.ThrottleLimit{Rate: 0.001, Burst: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Stop()
	var got []int
	start := time.Now()
	for i := range 3 {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, e.BaseURL+"/solutions/backupRestore/protectionUnits/"+UnitID(i), nil)
		req.Header.Set("Authorization", "Bearer x")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got = append(got, resp.StatusCode)
	}
	if d := time.Since(start); d < 90*time.Millisecond {
		t.Errorf("three requests took %v, want at least 3 × 30 ms of latency", d)
	}
	if got[0] != 200 || got[1] != 200 || got[2] != 429 {
		t.Errorf("statuses %v, want 200 200 429 (a bucket of 2)", got)
	}
	st, err := e.ThrottleStats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Admitted != 2 || st.Throttled != 1 || st.Interval != time.Second || len(st.Series) == 0 {
		t.Errorf("stats %+v, want 2 admitted, 1 throttled, 1 s samples", st)
	}
	e.Stop()
	e.Stop() // twice is fine
}

func TestStartFailsOnABadConfig(t *testing.T) {
	// The child cannot build the emulator: it exits, status 2, without
	// printing an origin.
	if _, err := Start(Config{Throttle: &fake.ThrottleOptions{AppTenant: fake.ThrottleLimit{Rate: -1}}}); err == nil {
		t.Error("Start succeeded with a negative throttle rate")
	}
}
