package backuprestore

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/models"
)

func TestListQueryOptionsOnTheWire(t *testing.T) {
	t.Parallel()
	rig := newRig(t, rigOptions{handler: func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"value":[]}`)
	}})
	ts, c := rig.ts, rig.c
	opts := &ListOptions{
		Filter:  "status eq 'offboardRequested' and policyId eq ''",
		Select:  []string{"id", "status"},
		Top:     50,
		Count:   true,
		OrderBy: []string{"status desc", "id"},
	}
	page, err := c.ProtectionUnits().Mailboxes().Get(t.Context(), opts)
	require.NoError(t, err)
	require.Empty(t, page.Value)
	r := ts.seen()[0]
	require.Equal(t, "/v1.0/solutions/backupRestore/protectionUnits/microsoft.graph.mailboxProtectionUnit", r.Path)
	require.Equal(t, "$count=true&$filter=status%20eq%20%27offboardRequested%27%20and%20policyId%20eq%20%27%27&$orderby=status%20desc%2Cid&$select=id%2Cstatus&$top=50", r.RawQuery)
	require.Equal(t, "include-unknown-enum-members", r.Header.Get("Prefer"))

	// The template form, after Kiota's parameter-name decoding, is the same URL.
	ri, err := c.ProtectionUnits().Mailboxes().ToGetRequestInformation(t.Context(), opts)
	require.NoError(t, err)
	u, err := ri.GetUri()
	require.NoError(t, err)
	require.Equal(t, "%24count=true&%24filter=status%20eq%20%27offboardRequested%27%20and%20policyId%20eq%20%27%27&%24orderby=status%20desc%2Cid&%24select=id%2Cstatus&%24top=50", u.RawQuery)

	_, err = c.ProtectionUnits().Get(t.Context(), &ListOptions{Top: -1})
	require.ErrorContains(t, err, "Top")
}

// paged serves pages of two units whose nextLinks the test chooses (self
// is the server's own origin), and counts the pages served.
func paged(next func(page int, self string) string) (http.HandlerFunc, *atomic.Int32) {
	var served atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		n := int(served.Add(1))
		link := next(n, "http://"+r.Host)
		body := fmt.Sprintf(`{"value":[{"id":"p%d-a"},{"id":"p%d-b"}]`, n, n)
		if link != "" {
			body += `,"@odata.nextLink":"` + link + `"`
		}
		reply(w, 200, body+"}")
	}, &served
}

func TestNextLinkIsFollowedVerbatim(t *testing.T) {
	t.Parallel()
	h, _ := paged(func(page int, self string) string {
		if page < 3 {
			return fmt.Sprintf("%s/v1.0/solutions/backupRestore/protectionUnits?$skiptoken=abc%%3D%%3D%d&%%24top=2", self, page)
		}
		return ""
	})
	rig := newRig(t, rigOptions{handler: h})
	ts, c := rig.ts, rig.c
	var ids []string
	for u, err := range c.ProtectionUnits().All(t.Context(), nil) {
		require.NoError(t, err)
		ids = append(ids, u.ID)
	}
	require.Equal(t, []string{"p1-a", "p1-b", "p2-a", "p2-b", "p3-a", "p3-b"}, ids)
	reqs := ts.seen()
	require.Len(t, reqs, 3)
	require.Equal(t, "$skiptoken=abc%3D%3D1&%24top=2", reqs[1].RawQuery, "not re-encoded, not rewritten")
	require.Equal(t, "$skiptoken=abc%3D%3D2&%24top=2", reqs[2].RawQuery)
}

func TestForeignNextLinkIsRefused(t *testing.T) {
	t.Parallel()
	other := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { reply(w, 200, `{"value":[]}`) })
	cases := map[string]func(self string) string{
		"other port": func(string) string { return other.URL + "/v1.0/solutions/backupRestore/protectionUnits?$skiptoken=x" },
		"other host": func(string) string {
			return "https://evil.example/v1.0/solutions/backupRestore/protectionUnits?$skiptoken=x"
		},
		"other scheme": func(self string) string { return "https" + self[len("http"):] + "/v1.0/x?$skiptoken=x" },
		"relative":     func(string) string { return "/v1.0/solutions/backupRestore/protectionUnits?$skiptoken=x" },
	}
	for name, link := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h, served := paged(func(page int, self string) string { return link(self) })
			cred := delegatedCred()
			c := newRig(t, rigOptions{handler: h, cred: cred}).c
			var ids []string
			var gotErr error
			for u, err := range c.ProtectionUnits().All(t.Context(), nil) {
				if err != nil {
					gotErr = err
					continue
				}
				ids = append(ids, u.ID)
			}
			require.Equal(t, []string{"p1-a", "p1-b"}, ids, "units already received are yielded first")
			require.Error(t, gotErr)
			if name == "relative" {
				require.ErrorIs(t, gotErr, ErrUnexpectedResponse)
			} else {
				require.ErrorIs(t, gotErr, ErrForeignHost)
			}
			require.Equal(t, int32(1), served.Load())
			require.Empty(t, other.seen(), "no request, no token to the other origin")
			require.Equal(t, int32(1), cred.calls.Load(), "no token was fetched for the foreign link")
		})
	}
}

func TestRepeatedNextLinkEndsWithAnError(t *testing.T) {
	t.Parallel()
	h, served := paged(func(page int, self string) string {
		return self + "/v1.0/solutions/backupRestore/protectionUnits?$skiptoken=same"
	})
	c := newRig(t, rigOptions{handler: h}).c
	n := 0
	var gotErr error
	for _, err := range c.ProtectionUnits().All(t.Context(), nil) {
		if err != nil {
			gotErr = err
			break
		}
		n++
	}
	require.ErrorIs(t, gotErr, ErrUnexpectedResponse)
	require.ErrorContains(t, gotErr, "repeats")
	require.Equal(t, 4, n)
	require.Equal(t, int32(2), served.Load())
}

func TestPagesAreLazyAndStopOnBreak(t *testing.T) {
	t.Parallel()
	h, served := paged(func(page int, self string) string {
		return fmt.Sprintf("%s/v1.0/solutions/backupRestore/protectionUnits?$skiptoken=%d", self, page)
	})
	rig := newRig(t, rigOptions{handler: h})
	ts, c := rig.ts, rig.c
	seq := c.ProtectionUnits().All(t.Context(), nil)
	require.Zero(t, served.Load(), "nothing is fetched until ranged over")
	for u, err := range seq {
		require.NoError(t, err)
		require.Equal(t, "p1-a", u.ID)
		break
	}
	require.Equal(t, int32(1), served.Load(), "break after the first item makes no further request")

	// Resuming from a saved NextLink.
	page, err := c.ProtectionUnits().Get(t.Context(), nil)
	require.NoError(t, err)
	saved := page.NextLink
	page2, err := c.ProtectionUnits().Get(t.Context(), &ListOptions{NextLink: saved})
	require.NoError(t, err)
	require.Equal(t, "p3-a", page2.Value[0].ID)
	require.Equal(t, "$skiptoken=2", ts.seen()[2].RawQuery)
}

func TestListErrorsAreTyped(t *testing.T) {
	t.Parallel()
	rig := newRig(t, rigOptions{handler: func(w http.ResponseWriter, r *http.Request) {
		reply(w, 400, `{"error":{"code":"BadRequest","message":"Invalid filter clause"}}`)
	}})
	c := rig.c
	var gotErr error
	for _, err := range c.ProtectionUnits().All(t.Context(), &ListOptions{Filter: "displayName eq 'x'"}) {
		gotErr = err
	}
	require.ErrorIs(t, gotErr, ErrBadRequest)
	e, ok := errors.AsType[*Error](gotErr)
	require.True(t, ok)
	require.Equal(t, "Invalid filter clause", e.Message)
}

func TestCastFillsKindWhenTypeIsMissing(t *testing.T) {
	t.Parallel()
	rig := newRig(t, rigOptions{handler: func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"value":[{"id":"d1","directoryObjectId":"o1"},{"id":"x","@odata.type":"#microsoft.graph.futureProtectionUnit"}]}`)
	}})
	c := rig.c
	page, err := c.ProtectionUnits().Drives().Get(t.Context(), nil)
	require.NoError(t, err)
	require.Equal(t, models.KindDrive, page.Value[0].Kind())
	require.Empty(t, page.Value[0].ODataType, "the cast's kind is CollectionKind; @odata.type is not made up")
	require.Equal(t, models.KindUnknown, page.Value[1].Kind(), "an unknown type is kept, not forced")
	require.Equal(t, "#microsoft.graph.futureProtectionUnit", page.Value[1].ODataType)

	page, err = c.ProtectionUnits().Get(t.Context(), nil)
	require.NoError(t, err)
	require.Equal(t, models.KindUnknown, page.Value[0].Kind(), "without a cast, a drive/mailbox unit with no type stays unknown")
}

// A policy's own view is typed too: a unit it lists without @odata.type
// has the view's kind, and @odata.type is left as the service sent it.
func TestPolicyUnitsKindWhenTypeIsMissing(t *testing.T) {
	c := newRig(t, rigOptions{handler: func(w http.ResponseWriter, r *http.Request) {
		require.Contains(t, r.URL.Path, "/exchangeProtectionPolicies/p1/mailboxProtectionUnits")
		reply(w, 200, `{"value":[{"id":"m1","directoryObjectId":"o1"}]}`)
	}}).c
	n := 0
	for u, err := range c.ProtectionPolicies().Exchange().ByID("p1").Units(t.Context(), nil) {
		require.NoError(t, err)
		require.Equal(t, models.KindMailbox, u.Kind())
		require.Empty(t, u.ODataType, "not made up")
		n++
	}
	require.Equal(t, 1, n)
}

// testOption is a Kiota request option a test looks for in the request's
// context, where Kiota's adapter puts request options for the middleware.
type testOption struct{ value string }

var testOptionKey = abs.RequestOptionKey{Key: "backuprestore.test"}

func (*testOption) GetKey() abs.RequestOptionKey { return testOptionKey }

// ListOptions.Headers and .Options reach every request of a listing, the
// first page's and those that follow nextLinks, as they do with a resumed
// NextLink.
func TestListOptionsHeadersAndOptionsReachEveryPage(t *testing.T) {
	t.Parallel()
	h, _ := paged(func(page int, self string) string {
		if page < 3 {
			return fmt.Sprintf("%s/v1.0/solutions/backupRestore/protectionUnits?$skiptoken=%d", self, page)
		}
		return ""
	})
	rig := newRig(t, rigOptions{handler: h})
	ts := rig.ts
	// A recording transport sees the request options the middleware sees.
	tr := &faultTransport{next: ts.Client().Transport, record: true}
	c := rig.client(t, nil, &Options{HTTPClient: &http.Client{Transport: tr}})
	seenOptions := func() []string {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		var out []string
		for _, r := range tr.requests {
			opt, _ := r.Context().Value(testOptionKey).(*testOption)
			if opt != nil {
				out = append(out, opt.value)
			} else {
				out = append(out, "")
			}
		}
		return out
	}
	headers := abs.NewRequestHeaders()
	headers.Add("ConsistencyLevel", "eventual")
	opts := &ListOptions{Headers: headers, Options: []abs.RequestOption{&testOption{"on"}}}
	n := 0
	for _, err := range c.ProtectionUnits().All(t.Context(), opts) {
		require.NoError(t, err)
		n++
	}
	require.Equal(t, 6, n)
	reqs := ts.seen()
	require.Len(t, reqs, 3)
	for i, r := range reqs {
		require.Equal(t, "eventual", r.Header.Get("ConsistencyLevel"), "request %d", i)
		require.Equal(t, "include-unknown-enum-members", r.Header.Get("Prefer"), "request %d", i)
	}
	require.Equal(t, []string{"on", "on", "on"}, seenOptions())

	// Resuming from a saved link carries them too.
	page, err := c.ProtectionUnits().Get(t.Context(), &ListOptions{NextLink: ts.URL + "/v1.0/solutions/backupRestore/protectionUnits?$skiptoken=2",
		Headers: headers, Options: opts.Options})
	require.NoError(t, err)
	require.Len(t, page.Value, 2)
	reqs = ts.seen()
	require.Equal(t, "eventual", reqs[len(reqs)-1].Header.Get("ConsistencyLevel"))
	require.Equal(t, []string{"on", "on", "on", "on"}, seenOptions())
}

// A saved NextLink on another origin is refused before any request or
// token: the same rule as a nextLink in a response.
func TestForeignSavedNextLinkIsRefused(t *testing.T) {
	t.Parallel()
	h, served := paged(func(int, string) string { return "" })
	other := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { reply(w, 200, `{"value":[]}`) })
	cred := delegatedCred()
	c := newRig(t, rigOptions{handler: h, cred: cred}).c
	for _, link := range []string{
		other.URL + "/v1.0/solutions/backupRestore/protectionUnits?$skiptoken=x",
		"https://evil.example/v1.0/solutions/backupRestore/protectionUnits?$skiptoken=x",
	} {
		_, err := c.ProtectionUnits().Get(t.Context(), &ListOptions{NextLink: link})
		require.ErrorIs(t, err, ErrForeignHost, link)
		for _, err := range c.ProtectionUnits().All(t.Context(), &ListOptions{NextLink: link}) {
			require.ErrorIs(t, err, ErrForeignHost, link)
		}
	}
	require.Zero(t, served.Load())
	require.Empty(t, other.seen())
	require.Zero(t, cred.calls.Load(), "no token was fetched")
}

// Cancelling ctx while a page request is in flight ends the iteration
// with the context's error, and nothing more is fetched.
func TestListContextCancelledDuringAPage(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var served atomic.Int32
	rig := newRig(t, rigOptions{handler: func(w http.ResponseWriter, r *http.Request) {
		if served.Add(1) == 2 {
			cancel() // the second page is being fetched
			<-r.Context().Done()
			return
		}
		reply(w, 200, `{"value":[{"id":"a"}],"@odata.nextLink":"http://`+r.Host+`/v1.0/solutions/backupRestore/protectionUnits?$skiptoken=n`+fmt.Sprint(served.Load())+`"}`)
	}})
	c := rig.c
	var ids []string
	var errs []error
	for u, err := range c.ProtectionUnits().All(ctx, nil) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, u.ID)
	}
	require.Equal(t, []string{"a"}, ids)
	require.Len(t, errs, 1, "one error, then the iteration stops")
	require.ErrorIs(t, errs[0], context.Canceled)
	require.Equal(t, int32(2), served.Load())
}
