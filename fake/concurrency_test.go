package fake_test

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// TestConcurrentActions races many goroutines on the same units: each
// offboard and each cancel succeeds exactly once, whatever the interleaving.
func TestConcurrentActions(t *testing.T) {
	e := newEnv(t, nil)
	units, workers := 200, 32
	if raceEnabled {
		units, workers = 100, 16
	}
	for i := range units {
		e.add(site(fmt.Sprintf("u%03d", i), models.StatusUnprotected, ""))
	}
	var ok200, ok403 atomic.Int64
	total := int64(workers * units * 2)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range units {
				id := fmt.Sprintf("u%03d", (i+w*7)%units)
				for _, action := range []string{"offboard", "cancelOffboard"} {
					r := e.do("POST", unitPath(id, action))
					switch r.status {
					case http.StatusOK:
						ok200.Add(1)
					case http.StatusForbidden:
						ok403.Add(1)
					default:
						t.Errorf("%s %s: %d %s", action, id, r.status, r.body)
					}
				}
				if i%10 == 0 {
					e.do("GET", unitsPath+"?$top=50&$filter=status%20eq%20'unprotected'")
					e.do("GET", unitPath(id))
					e.batch(item("1", "GET", unitPath(id)), item("2", "POST", unitPath(id, "offboard")))
				}
			}
		})
	}
	// Meanwhile: clock moves, inspection reads, faults come and go.
	wg.Go(func() {
		for range 50 {
			e.srv.Advance(time.Millisecond)
			_ = e.srv.Requests()
			_ = e.srv.AllTransitions()
			id := e.srv.AddFault(fake.Fault{Route: fake.RouteGet, Kind: fake.FaultStatus, Status: 503, Count: 1})
			e.srv.RemoveFault(id)
			_ = e.srv.Units()
		}
	})
	wg.Wait()
	require.Equal(t, total, ok200.Load()+ok403.Load())
	for i := range units {
		id := fmt.Sprintf("u%03d", i)
		ts := e.srv.Transitions(id)
		require.Equal(t, 1, causes(ts, fake.CauseOffboard), id)
		require.Equal(t, 1, causes(ts, fake.CauseCancelOffboard), id)
		require.Equal(t, models.StatusCancelOffboardRequested, e.status(id))
	}
}

// TestScale checks the hot path: 10,000 units listed page by page and
// 10,000 actions, well within a few seconds.
func TestScale(t *testing.T) {
	if testing.Short() {
		t.Skip("scale test")
	}
	e := newEnv(t, nil)
	n := 10_000
	if raceEnabled {
		n = 2_000 // the race detector makes timings meaningless; keep the correctness checks
	}
	for i := range n {
		e.add(site(fmt.Sprintf("unit-%05d", i), models.StatusUnprotected, ""))
	}
	start := time.Now()
	pages := e.listAll(unitsPath)
	require.Len(t, flatten(pages), n)
	require.Len(t, pages, n/fake.DefaultPageSize)
	listTime := time.Since(start)

	start = time.Now()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < n; i += 8 {
				r := e.do("POST", unitPath(fmt.Sprintf("unit-%05d", i), "offboard"))
				if r.status != http.StatusOK {
					t.Errorf("offboard %d: %d", i, r.status)
					return
				}
			}
		})
	}
	wg.Wait()
	actionTime := time.Since(start)
	t.Logf("list %d: %v, %d offboards: %v", n, listTime, n, actionTime)
	require.Len(t, e.srv.AllTransitions(), n)
	if !raceEnabled {
		require.Less(t, listTime, 5*time.Second)
		require.Less(t, actionTime, 5*time.Second)
	}
}

func BenchmarkGet(b *testing.B) {
	srv := fake.NewServer(nil)
	units := srv.Seed(10_000)
	c := srv.Client()
	tok := fake.NewDelegatedCredential().Token()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		req, _ := http.NewRequest("GET", base+unitPath(units[i%len(units)].ID), nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := c.Do(req)
		if err != nil || resp.StatusCode != 200 {
			b.Fatal(err)
		}
		resp.Body.Close()
		i++
	}
}

func BenchmarkListPage(b *testing.B) {
	srv := fake.NewServer(nil)
	srv.Seed(10_000)
	c := srv.Client()
	tok := fake.NewDelegatedCredential().Token()
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequest("GET", base+unitsPath, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := c.Do(req)
		if err != nil || resp.StatusCode != 200 {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
}

func BenchmarkCancelOffboard403(b *testing.B) {
	srv := fake.NewServer(nil)
	require.NoError(b, srv.AddUnit(site("s", models.StatusProtected, "p")))
	c := srv.Client()
	tok := fake.NewDelegatedCredential().Token()
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequest("POST", base+unitPath("s", "cancelOffboard"), nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := c.Do(req)
		if err != nil || resp.StatusCode != 403 {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
}
