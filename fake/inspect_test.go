package fake_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

func TestRequestsLog(t *testing.T) {
	e := newEnv(t, nil)
	e.add(site("a/b", models.StatusUnprotected, ""))
	e.srv.Advance(time.Minute)
	e.do("GET", unitsPath+"?$top=1", header("client-request-id", "c1"), prefer())
	e.do("POST", unitPath("a/b", "offboard"))
	e.batch(item("x", "GET", unitPath("a/b")))
	recs := e.srv.Requests()
	require.Len(t, recs, 4)

	r := recs[0]
	require.Equal(t, "GET", r.Method)
	require.Equal(t, "/v1.0"+unitsPath, r.Path)
	require.Equal(t, "$top=1", r.Query)
	require.Equal(t, fake.RouteList, r.Route)
	require.Equal(t, http.StatusOK, r.Status)
	require.Equal(t, fake.DefaultStart.Add(time.Minute), r.Time)
	require.Equal(t, "c1", r.Header.Get("client-request-id"))
	require.Equal(t, "include-unknown-enum-members", r.Header.Get("Prefer"))
	require.Equal(t, "Bearer [redacted]", r.Header.Get("Authorization"), "never the token")
	require.NotEmpty(t, r.RequestID)
	require.False(t, r.InBatch)

	r = recs[1]
	require.Equal(t, "/v1.0"+unitsPath+"/a%2Fb/offboard", r.Path, "the escaped path as sent")
	require.Equal(t, "a/b", r.UnitID)
	require.Equal(t, fake.RouteOffboard, r.Route)
	require.Equal(t, e.srv.Transitions("a/b")[0].RequestID, r.RequestID)

	require.True(t, recs[2].InBatch)
	require.Equal(t, "x", recs[2].BatchItemID)
	require.Equal(t, fake.RouteGet, recs[2].Route)
	require.Empty(t, recs[2].Header.Get("Authorization"), "items carry no token of their own")
	require.Equal(t, fake.RouteBatch, recs[3].Route)
	for _, rec := range recs {
		for k, v := range rec.Header {
			for _, s := range v {
				require.NotContains(t, s, e.token, k)
			}
		}
	}

	e.srv.ResetInspection()
	require.Empty(t, e.srv.Requests())
	require.Empty(t, e.srv.AllTransitions())
	require.Equal(t, models.StatusOffboardRequested, e.status("a/b"), "state is kept")
}

func TestRequestsLogCap(t *testing.T) {
	e := newEnv(t, &fake.Options{MaxRecordedRequests: 5})
	for range 23 {
		e.do("GET", unitsPath)
	}
	require.Len(t, e.srv.Requests(), 5)
	off := newEnv(t, &fake.Options{MaxRecordedRequests: -1})
	off.do("GET", unitsPath)
	require.Empty(t, off.srv.Requests())
}

func TestReset(t *testing.T) {
	e := newEnv(t, &fake.Options{Seed: 3})
	first := e.srv.Seed(25)
	e.srv.Advance(time.Hour)
	e.srv.AddFault(fake.Fault{Kind: fake.FaultStatus})
	e.do("GET", unitsPath)
	e.srv.Reset()
	require.Zero(t, e.srv.Len())
	require.Empty(t, e.srv.Requests())
	require.Empty(t, e.srv.AllTransitions())
	require.Equal(t, fake.DefaultStart, e.srv.Now())
	require.Equal(t, 200, e.do("GET", unitsPath).status, "faults cleared")
	require.Equal(t, first, e.srv.Seed(25), "random streams restarted")
	require.Equal(t, 3, int(e.srv.Options().Seed))
}
